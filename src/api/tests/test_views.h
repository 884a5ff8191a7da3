#pragma once

// Views and frames for the API's tests, made with the messages codecs as the
// aggregator and detection make them.

#include <string>

#include "messages/frame_view.h"
#include "messages/messages.h"

namespace tmon::api::views {

// A frame of `camera` with two cars in one group (groupId "<camera>-g1",
// groupIndex 1) and a pedestrian alone.
inline messages::DetectionResult frame(const messages::CameraId& camera, int64_t capture_ts) {
  messages::DetectionResult frame;
  frame.cameraId = camera;
  frame.requestId = camera + "-" + std::to_string(capture_ts);
  frame.captureTs = capture_ts;
  frame.detectedTs = capture_ts + 34;
  frame.imageWidth = 640;
  frame.imageHeight = 360;
  frame.modelType = "motion";
  frame.detectedObjects = {{7, "car", 2, 0.9, {100, 100, 160, 130}},
                           {8, "person", 0, 0.6, {300, 90, 312, 120}},
                           {9, "truck", 7, 0.8, {165, 95, 260, 135}}};
  frame.trafficGroups = {{1, camera + "-g1", {7, 9}, {100, 95, 260, 135}, {}, {}}};
  frame.groupImages = {{1, camera + "-g1", "/9j/crop", 176, 44}};
  frame.thumbnailBase64 = "/9j/thumb";
  return frame;
}

// The merged view of that frame, its group assessed at `level`.
inline messages::FrameView view(const messages::CameraId& camera, int64_t capture_ts,
                                messages::RiskLevel level = messages::RiskLevel::kHigh) {
  messages::FrameView view;
  view.cameraId = camera;
  view.detection = frame(camera, capture_ts);
  view.detection->thumbnailBase64.clear();
  view.requestId = view.detection->requestId;
  view.captureTs = capture_ts;
  view.storedTs = capture_ts + 1'200;
  view.hasDangerousDriving = level >= messages::RiskLevel::kHigh;
  view.maxRiskLevel = level;
  const std::string task = view.requestId + ":" + camera + "-g1";
  view.results = {{{1, level, 0.8, {"跟车过近"}, "车距过近", 2, {0, 1}}, camera + "-g1", task}};
  messages::ResultMetadata metadata;
  metadata.llmLatencyMs = 1'100;
  metadata.attempts = 1;
  metadata.llmModel = "qwen-vl-plus";
  view.tasks = {{task, camera + "-g1", 1, messages::ResultStatus::kOk, "", "", metadata}};
  return view;
}

inline std::string view_json(const messages::CameraId& camera, int64_t capture_ts,
                             messages::RiskLevel level = messages::RiskLevel::kHigh) {
  return messages::encode(view(camera, capture_ts, level));
}

}  // namespace tmon::api::views
