#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "messages/messages.h"

namespace tmon::aggregate {

// What a frame (one requestId) is known to contain when its view is built.
struct FrameInfo {
  std::string camera_id;
  std::string request_id;
  int64_t capture_ts = 0;
  int expected_results = 1;  // the frame's frameTaskCount
  bool partial = false;      // published after the timeout with results missing
};

// The merged view of one frame: what GET /api/cameras/{id}/latest and
// /history return and what PUBLISH camera:{id} carries.
//
//   cameraId, requestId, captureTs, storedTs, latencyMs (stored - capture),
//   partial, expectedResults, receivedResults,
//   hasDangerousDriving, maxRiskLevel (null when no result was ok),
//   results[]: every group's risk, with its groupId and taskId,
//   tasks[]: every task's outcome (status, code, message, metadata),
//   alerts[]: added by the aggregator (see alerts.h).
//
// Results are ordered by groupIndex so a view does not depend on arrival
// order.
nlohmann::ordered_json frame_view(const FrameInfo& frame,
                                  std::vector<messages::AssessmentResult> results,
                                  int64_t stored_ms);

}  // namespace tmon::aggregate
