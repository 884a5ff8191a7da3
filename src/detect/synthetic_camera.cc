#include "detect/synthetic_camera.h"

#include "detect/detector_factory.h"
#include "detect/truth_detector.h"

namespace tmon::detect {

SyntheticCamera::SyntheticCamera(std::string camera_id, SimOptions scene,
                                 const config::DetectionConfig& detection,
                                 std::shared_ptr<const cv::Mat> backdrop)
    : scene_(scene),
      backdrop_(backdrop ? std::move(backdrop) : std::make_shared<const cv::Mat>(scene_.render())) {
  AnalyzerOptions options = analyzer_options(detection);
  options.thumbnail_width = 0;  // the dashboard picture would be the still backdrop
  analyzer_ =
      std::make_unique<FrameAnalyzer>(std::move(camera_id), truth_detector(scene_), options);
}

SyntheticCamera::~SyntheticCamera() = default;

messages::DetectionResult SyntheticCamera::next(double interval_seconds, int64_t capture_ms) {
  scene_.step(interval_seconds);
  ManualClock detected_at(capture_ms);
  return analyzer_->analyze(*backdrop_, capture_ms, detected_at);
}

}  // namespace tmon::detect
