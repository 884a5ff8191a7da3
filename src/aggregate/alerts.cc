#include "aggregate/alerts.h"

#include <algorithm>
#include <set>

namespace tmon::aggregate {
namespace {

using nlohmann::ordered_json;

// The riskiest of a result's per-group answers (one task is one group).
const messages::GroupRisk* riskiest(const messages::AssessmentResult& result) {
  if (result.status != messages::ResultStatus::kOk || !result.riskAssessment) return nullptr;
  const messages::GroupRisk* top = nullptr;
  for (const auto& risk : result.riskAssessment->results) {
    if (!top || risk.riskLevel > top->riskLevel) top = &risk;
  }
  return top;
}

messages::RiskLevel level_of(const ordered_json& alert) {
  return messages::parse_risk_level(alert.value("riskLevel", std::string()))
      .value_or(messages::RiskLevel::kNone);
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

    ordered_json alert{
        {"alertId", result.cameraId + ":" + result.groupId + ":" + std::to_string(capture_ts)},
        {"cameraId", result.cameraId},
        {"groupId", result.groupId},
        {"groupIndex", result.groupIndex},
        {"requestId", result.requestId},
        {"taskId", result.taskId},
        {"riskLevel", std::string(messages::to_string(risk->riskLevel))},
        {"riskTypes", risk->riskTypes},
        {"description", risk->description},
        {"startedAt", capture_ts},
        {"lastUpdatedAt", capture_ts},
        {"displayUntil", capture_ts + policy.display_ms},
        {"isContinuation", false},
        {"updateCount", 1}};
    store::AlertWrite write{result.groupId, "", ""};
    if (const auto it = active.find(result.groupId); it != active.end()) {
      const auto previous = ordered_json::parse(it->second, nullptr, false);
      const int64_t shown_until =
          previous.is_object() ? previous.value("displayUntil", int64_t{0}) : int64_t{0};
      if (capture_ts <= shown_until) {
        // Still showing: this is the same incident going on.
        std::vector<std::string> types = previous.value("riskTypes", std::vector<std::string>{});
        for (const auto& type : risk->riskTypes) {
          if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
        }
        const int64_t last = std::max(previous.value("lastUpdatedAt", capture_ts), capture_ts);
        alert["alertId"] = previous.value("alertId", alert["alertId"].get<std::string>());
        alert["startedAt"] = std::min(previous.value("startedAt", capture_ts), capture_ts);
        alert["lastUpdatedAt"] = last;
        alert["displayUntil"] = last + policy.display_ms;
        alert["riskLevel"] =
            std::string(messages::to_string(std::max(level_of(previous), risk->riskLevel)));
        alert["riskTypes"] = types;
        alert["isContinuation"] = true;
        alert["updateCount"] = previous.value("updateCount", 1) + 1;
        write.replaces = it->second;  // one entry per incident in the alert lists
      }
    }
    write.alert_json = alert.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    decision.writes.push_back(std::move(write));
    decision.alerts.push_back(std::move(alert));
  }
  for (const auto& [group_id, json] : active) {
    if (renewed.contains(group_id)) continue;
    const auto alert = ordered_json::parse(json, nullptr, false);
    if (!alert.is_object() || alert.value("displayUntil", int64_t{0}) < capture_ts) {
      decision.ended_groups.push_back(group_id);
    }
  }
  return decision;
}

}  // namespace tmon::aggregate
