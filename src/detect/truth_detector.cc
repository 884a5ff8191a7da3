#include "detect/truth_detector.h"

namespace tmon::detect {
namespace {

class TruthDetector : public Detector {
 public:
  TruthDetector(const SimScene& scene, TruthDetectorOptions options)
      : scene_(scene), options_(options) {}

  std::vector<Detection> detect(const cv::Mat& frame) override {
    const cv::Rect2d bounds(0, 0, frame.cols, frame.rows);
    std::vector<Detection> found;
    for (const auto& object : scene_.objects()) {
      const cv::Rect2d visible = object.box & bounds;
      if (visible.area() <= 0) continue;  // still off screen
      if (visible.area() < options_.min_visible_share * object.box.area()) continue;
      if (object.parked && !options_.parked) continue;
      Detection detection;
      detection.class_name = object.class_name;
      detection.confidence = options_.confidence;
      detection.box = visible;
      found.push_back(std::move(detection));
    }
    return found;
  }
  const char* name() const override { return options_.name; }

 private:
  const SimScene& scene_;
  TruthDetectorOptions options_;
};

}  // namespace

DetectorPtr truth_detector(const SimScene& scene, TruthDetectorOptions options) {
  return std::make_unique<TruthDetector>(scene, options);
}

}  // namespace tmon::detect
