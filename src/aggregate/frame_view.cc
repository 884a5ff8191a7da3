#include "aggregate/frame_view.h"

#include <algorithm>
#include <tuple>

namespace tmon::aggregate {

messages::FrameView merge_frame(const FrameInfo& frame,
                                std::vector<messages::AssessmentResult> results,
                                std::optional<messages::DetectionResult> detection,
                                int64_t stored_ms) {
  std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
    return std::tie(a.groupIndex, a.taskId) < std::tie(b.groupIndex, b.taskId);
  });
  messages::FrameView view;
  view.cameraId = frame.camera_id;
  view.requestId = frame.request_id;
  view.captureTs = frame.capture_ts;
  view.storedTs = stored_ms;
  view.partial = frame.partial;
  view.expectedResults = frame.expected_results;
  if (detection) {
    detection->thumbnailBase64.clear();  // the live frame is /ws's business
    view.detection = std::move(detection);
  }
  for (auto& result : results) {
    view.tasks.push_back({result.taskId, result.groupId, result.groupIndex, result.status,
                          result.code, result.message, result.metadata});
    if (result.status != messages::ResultStatus::kOk || !result.riskAssessment) continue;
    view.hasDangerousDriving =
        view.hasDangerousDriving || result.riskAssessment->hasDangerousDriving;
    view.maxRiskLevel = std::max(view.maxRiskLevel, result.riskAssessment->maxRiskLevel);
    for (auto& risk : result.riskAssessment->results) {
      view.results.push_back({std::move(risk), result.groupId, result.taskId});
    }
  }
  return view;
}

}  // namespace tmon::aggregate
