#pragma once

#include <opencv2/objdetect.hpp>

#include "detect/detector.h"

namespace tmon::detect {

struct HogOptions {
  double hit_threshold = 0.0;  // SVM margin; higher: fewer, surer people
  double min_weight = 0.5;     // drop detections whose SVM weight is below this
  double scale = 1.05;         // image pyramid step
  double upscale = 1.0;        // enlarge small frames first (people under 128 px tall)
};

// OpenCV's built-in pedestrian detector (HOG features, linear SVM). Finds
// only people, standing and at least about 128 pixels tall after `upscale`.
class HogDetector final : public Detector {
 public:
  explicit HogDetector(HogOptions options = {});
  std::vector<Detection> detect(const cv::Mat& frame) override;
  const char* name() const override { return "hog"; }

 private:
  HogOptions options_;
  cv::HOGDescriptor hog_;
};

}  // namespace tmon::detect
