#include "detect/synthetic_camera.h"

#include "detect/detector_factory.h"

namespace tmon::detect {

// Reports what the scene holds, in frame pixels, as a detector would.
class SyntheticCamera::TruthDetector : public Detector {
 public:
  explicit TruthDetector(const SimScene& scene) : scene_(scene) {}

  std::vector<Detection> detect(const cv::Mat& frame) override {
    const cv::Rect2d bounds(0, 0, frame.cols, frame.rows);
    std::vector<Detection> found;
    for (const auto& object : scene_.objects()) {
      const cv::Rect2d box = object.box & bounds;
      if (box.area() <= 0) continue;  // still off screen
      Detection detection;
      detection.class_name = object.class_name;
      detection.confidence = 0.9;
      detection.box = box;
      found.push_back(std::move(detection));
    }
    return found;
  }
  const char* name() const override { return "truth"; }

 private:
  const SimScene& scene_;
};

SyntheticCamera::SyntheticCamera(std::string camera_id, SimOptions scene,
                                 const config::DetectionConfig& detection,
                                 std::shared_ptr<const cv::Mat> backdrop)
    : scene_(scene),
      backdrop_(backdrop ? std::move(backdrop) : std::make_shared<const cv::Mat>(scene_.render())) {
  AnalyzerOptions options = analyzer_options(detection);
  options.thumbnail_width = 0;  // the dashboard picture would be the still backdrop
  analyzer_ = std::make_unique<FrameAnalyzer>(std::move(camera_id),
                                              std::make_unique<TruthDetector>(scene_), options);
}

SyntheticCamera::~SyntheticCamera() = default;

messages::DetectionResult SyntheticCamera::next(double interval_seconds, int64_t capture_ms) {
  scene_.step(interval_seconds);
  ManualClock detected_at(capture_ms);
  return analyzer_->analyze(*backdrop_, capture_ms, detected_at);
}

}  // namespace tmon::detect
