#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "config/config.h"
#include "detect/frame_analyzer.h"
#include "detect/sim_scene.h"
#include "messages/messages.h"

namespace tmon::detect {

// A sim:// camera whose detector sees the scene's ground truth instead of
// rendered pixels. Tracking, grouping, group features and JPEG crops are the
// real FrameAnalyzer's, so the detection-results it makes trigger tasks as a
// real camera's would, at a fraction of the CPU: crops are cut from one frame
// rendered at the start, and nothing is rendered or detected per frame.
//
// Used to load the streaming stages beyond what detection on two cores
// allows (`tmon bench --detections-only`) and to inject a known camera's
// frames into a running pipeline (`tmon e2e-test`). Not thread-safe.
class SyntheticCamera {
 public:
  // Crops are cut from `backdrop` when given (cameras of one benchmark may
  // share one picture: 0.7 MB each otherwise), else from the scene's first
  // rendered frame.
  SyntheticCamera(std::string camera_id, SimOptions scene,
                  const config::DetectionConfig& detection = {},
                  std::shared_ptr<const cv::Mat> backdrop = nullptr);
  ~SyntheticCamera();

  // Advances the scene by interval_seconds and returns the frame's
  // detection-results message, captured at capture_ms (epoch ms; also the
  // detectedTs, since detection takes no time here).
  messages::DetectionResult next(double interval_seconds, int64_t capture_ms);

  const SimScene& scene() const { return scene_; }

 private:
  SimScene scene_;
  std::shared_ptr<const cv::Mat> backdrop_;  // crops come from it
  std::unique_ptr<FrameAnalyzer> analyzer_;
};

}  // namespace tmon::detect
