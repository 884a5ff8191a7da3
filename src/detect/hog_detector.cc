#include "detect/hog_detector.h"

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

namespace tmon::detect {

HogDetector::HogDetector(HogOptions options) : options_(options) {
  hog_.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
}

std::vector<Detection> HogDetector::detect(const cv::Mat& frame) {
  cv::Mat image = frame;
  if (options_.upscale > 1.0) {
    cv::resize(frame, image, {}, options_.upscale, options_.upscale, cv::INTER_LINEAR);
  }
  std::vector<cv::Rect> found;
  std::vector<double> weights;
  hog_.detectMultiScale(image, found, weights, options_.hit_threshold, {8, 8}, {8, 8},
                        options_.scale, /*groupThreshold=*/0);
  std::vector<cv::Rect> boxes;
  std::vector<float> scores;
  for (size_t i = 0; i < found.size(); ++i) {
    if (weights[i] < options_.min_weight) continue;
    boxes.push_back(found[i]);
    scores.push_back(static_cast<float>(weights[i]));
  }
  std::vector<int> kept;
  cv::dnn::NMSBoxes(boxes, scores, static_cast<float>(options_.min_weight), 0.4f, kept);
  std::vector<Detection> detections;
  for (int k : kept) {
    const cv::Rect2d box(boxes[static_cast<size_t>(k)]);
    Detection d;
    d.class_name = "person";
    d.class_id = 0;
    // The SVM margin is unbounded; squash it into (0, 1) for a confidence.
    d.confidence = scores[static_cast<size_t>(k)] / (1.0 + scores[static_cast<size_t>(k)]);
    d.box = cv::Rect2d(box.x / options_.upscale, box.y / options_.upscale,
                       box.width / options_.upscale, box.height / options_.upscale) &
            cv::Rect2d(0, 0, frame.cols, frame.rows);
    detections.push_back(std::move(d));
  }
  return detections;
}

}  // namespace tmon::detect
