#include "aggregate/alerts.h"

#include <algorithm>
#include <optional>
#include <set>

namespace tmon::aggregate {
namespace {

// The riskiest of a result's per-group answers (one task is one group).
const messages::GroupRisk* riskiest(const messages::AssessmentResult& result) {
  if (result.status != messages::ResultStatus::kOk || !result.riskAssessment) return nullptr;
  const messages::GroupRisk* top = nullptr;
  for (const auto& risk : result.riskAssessment->results) {
    if (!top || risk.riskLevel > top->riskLevel) top = &risk;
  }
  return top;
}

messages::Alert raised(const messages::AssessmentResult& result, const messages::GroupRisk& risk,
                       const AlertPolicy& policy, int64_t capture_ts) {
  messages::Alert alert;
  alert.alertId = result.cameraId + ":" + result.groupId + ":" + std::to_string(capture_ts);
  alert.cameraId = result.cameraId;
  alert.groupId = result.groupId;
  alert.groupIndex = result.groupIndex;
  alert.requestId = result.requestId;
  alert.taskId = result.taskId;
  alert.riskLevel = risk.riskLevel;
  alert.riskTypes = risk.riskTypes;
  alert.description = risk.description;
  alert.confidence = risk.confidence;
  alert.dangerObjectIds = risk.triggerObjectIds;
  alert.dangerObjectCount = risk.dangerObjectCount > 0
                                ? risk.dangerObjectCount
                                : static_cast<int>(risk.triggerObjectIds.size());
  alert.startedTs = capture_ts;
  alert.lastUpdatedTs = capture_ts;
  alert.displayUntilTs = capture_ts + policy.display_ms;
  return alert;
}

// The same incident going on: the earlier alert's identity and start, the
// highest level seen, the risk types of both.
void continue_from(const messages::Alert& previous, const AlertPolicy& policy,
                   messages::Alert& alert) {
  std::vector<std::string> types = previous.riskTypes;
  for (const auto& type : alert.riskTypes) {
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  }
  alert.riskTypes = std::move(types);
  alert.alertId = previous.alertId;
  alert.startedTs = std::min(previous.startedTs, alert.startedTs);
  alert.lastUpdatedTs = std::max(previous.lastUpdatedTs, alert.lastUpdatedTs);
  alert.displayUntilTs = alert.lastUpdatedTs + policy.display_ms;
  alert.riskLevel = std::max(previous.riskLevel, alert.riskLevel);
  alert.isContinuation = true;
  alert.updateCount = previous.updateCount + 1;
}

std::optional<messages::Alert> stored_alert(const std::string& json) {
  auto decoded = messages::decode_alert(json);
  if (!decoded) return std::nullopt;
  return std::move(*decoded);
}

}  // namespace

AlertDecision decide_alerts(const std::vector<messages::AssessmentResult>& results,
                            const std::map<std::string, std::string>& active,
                            const AlertPolicy& policy, int64_t capture_ts) {
  AlertDecision decision;
  std::set<std::string> renewed;
  for (const auto& result : results) {
    const messages::GroupRisk* risk = riskiest(result);
    if (!risk || risk->riskLevel < policy.min_level || result.groupId.empty()) continue;
    if (!renewed.insert(result.groupId).second) continue;  // one alert per group and frame

    messages::Alert alert = raised(result, *risk, policy, capture_ts);
    store::AlertWrite write{result.groupId, "", ""};
    if (const auto it = active.find(result.groupId); it != active.end()) {
      const auto previous = stored_alert(it->second);
      if (!previous) ++decision.bad_records;
      if (previous && capture_ts <= previous->displayUntilTs) {
        continue_from(*previous, policy, alert);
        write.replaces = it->second;  // one entry per incident in the alert lists
      }
    }
    write.alert_json = messages::encode(alert, alert.lastUpdatedTs);
    decision.writes.push_back(std::move(write));
    decision.renewed.push_back(alert);
    decision.on_display.push_back(std::move(alert));
  }
  for (const auto& [group_id, json] : active) {
    if (renewed.contains(group_id)) continue;
    auto alert = stored_alert(json);
    if (!alert) ++decision.bad_records;
    if (!alert || alert->displayUntilTs < capture_ts) {
      decision.ended_groups.push_back(group_id);
      continue;
    }
    // Still showing, not renewed by this frame: shown as the original shows
    // an alert counting down.
    alert->isContinuation = true;
    alert->isStale = true;
    decision.on_display.push_back(std::move(*alert));
  }
  std::stable_sort(decision.on_display.begin(), decision.on_display.end(),
                   [](const auto& a, const auto& b) { return a.groupIndex < b.groupIndex; });
  return decision;
}

}  // namespace tmon::aggregate
