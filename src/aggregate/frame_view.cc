#include "aggregate/frame_view.h"

#include <algorithm>

#include "messages/codec.h"

namespace tmon::aggregate {

using nlohmann::ordered_json;

nlohmann::ordered_json frame_view(const FrameInfo& frame,
                                  std::vector<messages::AssessmentResult> results,
                                  int64_t stored_ms) {
  std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
    return std::tie(a.groupIndex, a.taskId) < std::tie(b.groupIndex, b.taskId);
  });
  bool dangerous = false;
  bool any_ok = false;
  messages::RiskLevel max_level = messages::RiskLevel::kNone;
  ordered_json risks = ordered_json::array();
  ordered_json tasks = ordered_json::array();
  for (const auto& result : results) {
    // The task's outcome, in the codec's own field names.
    const auto encoded = ordered_json::parse(messages::encode(result));
    ordered_json task{{"taskId", result.taskId},
                      {"groupId", result.groupId},
                      {"groupIndex", result.groupIndex},
                      {"status", encoded["status"]}};
    if (result.status != messages::ResultStatus::kOk) {
      task["code"] = result.code;
      task["message"] = result.message;
    }
    task["metadata"] = encoded["metadata"];
    tasks.push_back(std::move(task));
    if (result.status != messages::ResultStatus::kOk || !result.riskAssessment) continue;
    any_ok = true;
    dangerous = dangerous || result.riskAssessment->hasDangerousDriving;
    max_level = std::max(max_level, result.riskAssessment->maxRiskLevel);
    const auto assessment = ordered_json::parse(messages::encode(*result.riskAssessment));
    for (auto risk : assessment["results"]) {
      risk["groupId"] = result.groupId;
      risk["taskId"] = result.taskId;
      risks.push_back(std::move(risk));
    }
  }
  ordered_json view{{"cameraId", frame.camera_id},
                    {"requestId", frame.request_id},
                    {"captureTs", frame.capture_ts},
                    {"storedTs", stored_ms},
                    {"latencyMs", stored_ms - frame.capture_ts},
                    {"partial", frame.partial},
                    {"expectedResults", frame.expected_results},
                    {"receivedResults", results.size()},
                    {"hasDangerousDriving", dangerous},
                    {"maxRiskLevel", nullptr},
                    {"results", std::move(risks)},
                    {"tasks", std::move(tasks)},
                    {"alerts", ordered_json::array()}};
  if (any_ok) view["maxRiskLevel"] = std::string(messages::to_string(max_level));
  return view;
}

}  // namespace tmon::aggregate
