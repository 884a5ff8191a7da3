#include "detect/motion_detector.h"

#include <opencv2/imgproc.hpp>

namespace tmon::detect {

MotionDetector::MotionDetector(MotionOptions options) : options_(std::move(options)) {
  options_.startup_frames = std::max(3, options_.startup_frames | 1);  // odd, at least 3
}

std::string classify_blob(const cv::Rect& box, int frame_height) {
  const double scale = frame_height / 360.0;
  const double aspect = static_cast<double>(box.height) / std::max(1, box.width);
  const double area = box.area() / (scale * scale);
  // At 360 px: people stand about 12 x 30, cars lie about 70 x 33, trucks 120 x 42.
  if (aspect > 1.4 && area < 1200) return "person";
  if (area > 3800) return "truck";
  return "car";
}

cv::Mat median_image(const std::deque<cv::Mat>& images) {
  std::vector<cv::Mat> sorted;
  for (const auto& image : images) sorted.push_back(image.clone());
  const size_t n = sorted.size();
  cv::Mat low;
  for (size_t pass = 0; pass < n; ++pass) {
    for (size_t i = pass % 2; i + 1 < n; i += 2) {
      cv::min(sorted[i], sorted[i + 1], low);
      cv::max(sorted[i], sorted[i + 1], sorted[i + 1]);
      low.copyTo(sorted[i]);
    }
  }
  return sorted[n / 2];
}

cv::Mat MotionDetector::background() const {
  cv::Mat image;
  if (!background_.empty()) background_.convertTo(image, CV_8UC3);
  return image;
}

cv::Mat MotionDetector::foreground_of(const cv::Mat& frame) const {
  cv::Mat difference;
  cv::absdiff(frame, background(), difference);
  cv::Mat channels[3];
  cv::split(difference, channels);
  cv::Mat total;
  cv::add(channels[0], channels[1], total, cv::noArray(), CV_16U);
  cv::add(total, channels[2], total, cv::noArray(), CV_16U);
  cv::Mat foreground = total > options_.threshold;
  if (!options_.roi_mask.empty()) cv::bitwise_and(foreground, options_.roi_mask, foreground);
  // Open removes speckle; close mends small holes (windows the colour of the
  // road) without bridging the few pixels between neighbours.
  static const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_RECT, {3, 3});
  cv::morphologyEx(foreground, foreground, cv::MORPH_OPEN, kernel);
  cv::morphologyEx(foreground, foreground, cv::MORPH_CLOSE, kernel);
  return foreground;
}

void MotionDetector::adapt(const cv::Mat& frame, const cv::Mat& foreground) {
  // Count how long each pixel has been foreground; long-stayers are absorbed.
  cv::add(foreground_age_, 1, foreground_age_, foreground);
  foreground_age_.setTo(0, ~foreground);
  const cv::Mat absorb = foreground_age_ > options_.absorb_after;
  cv::Mat update = ~foreground | absorb;
  foreground_age_.setTo(0, absorb);
  cv::Mat frame_float;
  frame.convertTo(frame_float, CV_32FC3);
  cv::Mat blended;
  cv::addWeighted(background_, 1.0 - options_.adapt_rate, frame_float, options_.adapt_rate, 0,
                  blended);
  blended.copyTo(background_, update);
}

namespace {

cv::Mat edge_strength(const cv::Mat& bgr) {
  cv::Mat gray, dx, dy, magnitude;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  cv::Sobel(gray, dx, CV_16S, 1, 0);
  cv::Sobel(gray, dy, CV_16S, 0, 1);
  cv::convertScaleAbs(dx, dx);
  cv::convertScaleAbs(dy, dy);
  cv::add(dx, dy, magnitude, cv::noArray(), CV_16U);
  return magnitude;
}

}  // namespace

void MotionDetector::remove_ghosts(const cv::Mat& frame, cv::Mat& foreground) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(foreground.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  if (contours.empty()) return;
  const cv::Mat frame_edges = edge_strength(frame);
  const cv::Mat background_edges = edge_strength(background());
  cv::Mat frame_float;
  for (size_t i = 0; i < contours.size(); ++i) {
    const cv::Rect box = cv::boundingRect(contours[i]);
    cv::Mat blob = cv::Mat::zeros(box.size(), CV_8U);
    cv::drawContours(blob, contours, static_cast<int>(i), 255, cv::FILLED, cv::LINE_8,
                     cv::noArray(), 0, -box.tl());
    // Edges along and inside the blob: an object brings its own outline.
    cv::dilate(blob, blob, cv::Mat(), {-1, -1}, 1);
    const double in_frame = cv::mean(frame_edges(box), blob)[0];
    const double in_background = cv::mean(background_edges(box), blob)[0];
    if (in_frame >= options_.ghost_edge_ratio * in_background) continue;
    // A ghost: the road is back where the background still has something.
    if (frame_float.empty()) frame.convertTo(frame_float, CV_32FC3);
    frame_float(box).copyTo(background_(box), blob);
    foreground(box).setTo(0, blob);
    foreground_age_(box).setTo(0, blob);
  }
}

std::vector<Detection> MotionDetector::detect(const cv::Mat& frame) {
  if (!background_.empty() && background_.size() != frame.size()) {
    background_.release();  // the stream changed resolution: start over
    startup_.clear();
  }
  if (background_.empty()) {
    startup_.push_back(frame.clone());
    if (static_cast<int>(startup_.size()) < options_.startup_frames) return {};
    median_image(startup_).convertTo(background_, CV_32FC3);
    foreground_age_ = cv::Mat::zeros(frame.size(), CV_8U);
    startup_.clear();
  }
  cv::Mat foreground = foreground_of(frame);
  remove_ghosts(frame, foreground);
  adapt(frame, foreground);

  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(foreground, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  const double min_area = options_.min_area_ratio * frame.rows * frame.cols;
  std::vector<Detection> detections;
  for (const auto& contour : contours) {
    const cv::Rect box = cv::boundingRect(contour);
    if (box.area() < min_area) continue;
    // Solid blobs are objects; a blob that fills little of its box is less sure.
    const double fill = cv::contourArea(contour) / std::max(1, box.area());
    Detection d;
    d.class_name = classify_blob(box, frame.rows);
    d.confidence = std::clamp(0.5 + 0.5 * fill, 0.0, 1.0);
    d.box = box;
    detections.push_back(std::move(d));
  }
  return detections;
}

}  // namespace tmon::detect
