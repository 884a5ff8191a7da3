#include "detect/motion_detector.h"

#include <cmath>
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
  return background8_.clone();
}

cv::Mat MotionDetector::flicker_mask() const {
  if (flicker_.empty()) return {};
  cv::Mat mask;
  cv::resize(flicker_ > options_.flicker_limit, mask, background8_.size(), 0, 0, cv::INTER_NEAREST);
  return mask;
}

void MotionDetector::observe(const TrackFeedback& feedback) {
  feedback_ = feedback;
  has_feedback_ = true;
}

bool MotionDetector::collect_startup(const cv::Mat& frame) {
  // Frames a few tenths of a second apart show a slow car in the same place:
  // spread the start-up frames so the median sees the road behind it.
  if (time_ - last_startup_time_ >= options_.startup_spacing_seconds || !has_feedback_) {
    startup_.push_back(frame.clone());
    last_startup_time_ = time_;
  }
  if (static_cast<int>(startup_.size()) < options_.startup_frames) return false;
  background8_ = median_image(startup_);
  background8_.convertTo(background_, CV_32FC3);
  gain_ = 1;
  foreground_age_ = cv::Mat::zeros(frame.size(), CV_32F);
  flicker_ = cv::Mat::zeros((frame.rows + 3) / 4, (frame.cols + 3) / 4, CV_32F);
  last_foreground_ = cv::Mat::zeros(frame.size(), CV_8U);
  adapt_pending_ = 0;
  startup_.clear();
  return true;
}

namespace {

// An illumination change scales B, G and R alike (within this share of
// their mean ratio), darker as shade does or lighter as sun does.
constexpr double kUniformRatio = 0.12;
// A grey level changing less than this between frames is standing still
// (sensor noise of sigma 6 stays well below it).
constexpr int kStillChange = 25;

// Every fourth row of an image, without copying: enough pixels for a mean.
cv::Mat sparse_rows(const cv::Mat& image) {
  return cv::Mat(image.rows / 4, image.cols, image.type(), image.data, image.step * 4);
}

}  // namespace

void MotionDetector::compensate_gain(const cv::Mat& frame, const cv::Mat& reported) {
  // The exposure of the whole picture moved: measure it where nothing moved
  // last frame and scale the background to match. A stretch of shade or a
  // passing lorry is too small a share of the view to move the mean much;
  // the clamp bounds what one frame can do anyway. Where a road user is
  // expected now is left out too: the front of a car that drove onto road
  // seen empty last frame would count as the road brightening, and the
  // background, blended in at the measured gain, would darken a little every
  // step (about 1% per 10 s in dense traffic), until road the traffic hides
  // for long (a crosswalk) stood out from the rest.
  const cv::Mat still = ~(sparse_rows(last_foreground_) | sparse_rows(reported));
  const cv::Scalar now = cv::mean(sparse_rows(frame), still);
  const cv::Scalar reference = cv::mean(sparse_rows(background_), still);
  const double now_sum = now[0] + now[1] + now[2];
  const double reference_sum = reference[0] + reference[1] + reference[2];
  if (reference_sum > 3) {
    gain_ = std::clamp(now_sum / reference_sum, gain_ * 0.8, gain_ * 1.25);
  }
  background_.convertTo(background8_, CV_8UC3, gain_);
}

cv::Mat MotionDetector::foreground_of(const cv::Mat& frame, const cv::Mat& tracked,
                                      cv::Mat& raw) const {
  cv::Mat difference;
  cv::absdiff(frame, background8_, difference);
  cv::Mat channels[3];
  cv::split(difference, channels);
  cv::Mat total;
  cv::add(channels[0], channels[1], total, cv::noArray(), CV_16U);
  cv::add(total, channels[2], total, cv::noArray(), CV_16U);
  raw = total > options_.threshold;
  if (!options_.roi_mask.empty()) cv::bitwise_and(raw, options_.roi_mask, raw);
  // Flicker is suppressed except where a tracked road user is expected.
  cv::Mat flicker;
  cv::resize(flicker_ > options_.flicker_limit, flicker, frame.size(), 0, 0, cv::INTER_NEAREST);
  cv::Mat foreground = raw & ~(flicker & ~tracked);
  // Open removes speckle; close mends small holes (windows the colour of the
  // road) without bridging the few pixels between neighbours.
  static const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_RECT, {3, 3});
  cv::morphologyEx(foreground, foreground, cv::MORPH_OPEN, kernel);
  cv::morphologyEx(foreground, foreground, cv::MORPH_CLOSE, kernel);
  return foreground;
}

void MotionDetector::age_foreground(const cv::Mat& frame, const cv::Mat& foreground,
                                    const cv::Mat& tracked, double dt) {
  // Foreground that stands perfectly still and that no established track
  // explains is absorbed after a short while: a ghost (the start-up
  // background caught a waiting car, which has left), an object dropped on
  // the road. A vehicle that drove up and stopped is established and held;
  // one still moving changes the pixels it covers, which restarts the count.
  cv::Mat gray;
  cv::cvtColor(frame, gray, cv::COLOR_BGR2GRAY);
  cv::Mat still;
  if (previous_gray_.size() == gray.size()) {
    cv::Mat change;
    cv::absdiff(gray, previous_gray_, change);
    still = change <= kStillChange;
  } else {
    still = cv::Mat::zeros(gray.size(), CV_8U);
  }
  previous_gray_ = gray;
  const cv::Mat standing = foreground & ~tracked & still;
  cv::add(foreground_age_, dt, foreground_age_, standing);
  foreground_age_.setTo(0, ~standing);
}

void MotionDetector::adapt(const cv::Mat& frame, const cv::Mat& foreground,
                           const cv::Mat& tracked) {
  // Blending a float image is the detector's dearest step; the light changes
  // over seconds, so it is done every adapt_step_seconds, by as much as the
  // time since the last one calls for.
  if (adapt_pending_ < options_.adapt_step_seconds) return;
  const double rate = 1 - std::exp(-adapt_pending_ / options_.adapt_seconds);
  adapt_pending_ = 0;
  // With frames far apart, "still" is judged on fewer of them: wait for a few.
  const double absorb_after = std::max(options_.absorb_after_seconds, 4 * last_dt_);
  const cv::Mat absorb = foreground_age_ > absorb_after;
  foreground_age_.setTo(0, absorb);
  const cv::Mat update = (~foreground & ~tracked) | absorb;
  cv::Mat frame_float;
  frame.convertTo(frame_float, CV_32FC3, 1.0 / gain_);  // at the background's exposure
  cv::Mat blended;
  cv::addWeighted(background_, 1.0 - rate, frame_float, rate, 0, blended);
  blended.copyTo(background_, update);
  // Absorbed pixels are taken as they are now, not blended in over seconds.
  frame_float.copyTo(background_, absorb);
}

void MotionDetector::update_flicker(const cv::Mat& foreground, const cv::Mat& reported, double dt) {
  // At a quarter of the resolution: flicker comes in patches, not pixels.
  const double rate = 1 - std::exp(-dt / options_.flicker_seconds);
  const cv::Mat untracked = foreground & ~reported;
  cv::Mat share;
  cv::resize(untracked, share, flicker_.size(), 0, 0, cv::INTER_AREA);
  cv::Mat unexplained;
  share.convertTo(unexplained, CV_32F, 1.0 / 255);
  cv::addWeighted(flicker_, 1.0 - rate, unexplained, rate, 0, flicker_);
}

namespace {

constexpr std::pair<double, double> kShadeRatio{0.35, 0.92};
constexpr std::pair<double, double> kLightRatio{1.08, 2.8};

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

void MotionDetector::heal(const cv::Mat& frame, const cv::Rect& region, const cv::Mat& pixels,
                          cv::Mat& foreground) {
  cv::Mat frame_float;
  frame(region).convertTo(frame_float, CV_32FC3, 1.0 / gain_);  // at the background's exposure
  frame_float.copyTo(background_(region), pixels);
  foreground(region).setTo(0, pixels);
  foreground_age_(region).setTo(0, pixels);
}

void MotionDetector::remove_ghosts(const cv::Mat& frame, cv::Mat& foreground) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(foreground.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  if (contours.empty()) return;
  const cv::Rect bounds(0, 0, frame.cols, frame.rows);
  const double min_area = options_.min_area_ratio * frame.rows * frame.cols;
  for (size_t i = 0; i < contours.size(); ++i) {
    const cv::Rect box = cv::boundingRect(contours[i]);
    if (box.area() < min_area) continue;  // too small to be reported anyway
    // Edges are measured on the blob's region only (grown by the Sobel's
    // reach), not on the whole frame.
    const cv::Rect region = (box + cv::Size(4, 4) - cv::Point(2, 2)) & bounds;
    cv::Mat blob = cv::Mat::zeros(region.size(), CV_8U);
    cv::drawContours(blob, contours, static_cast<int>(i), 255, cv::FILLED, cv::LINE_8,
                     cv::noArray(), 0, -region.tl());
    // Edges along and inside the blob: an object brings its own outline.
    cv::dilate(blob, blob, cv::Mat(), {-1, -1}, 1);
    const cv::Mat frame_edges = edge_strength(frame(region));
    const cv::Mat background_edges = edge_strength(background8_(region));
    const double in_frame = cv::mean(frame_edges, blob)[0];
    const double in_background = cv::mean(background_edges, blob)[0];
    if (in_frame < options_.ghost_edge_ratio * in_background) {
      // A ghost: the road is back where the background still has something.
      heal(frame, region, blob, foreground);
    }
  }
}

namespace {

double illumination_share(const cv::Mat& frame, const cv::Mat& background, const cv::Mat& blob) {
  // Per pixel, the frame over the background per channel: light and shade
  // scale all three alike (the road's grey stays grey, only darker), a road
  // user's paint does not.
  // Smoothed first: sensor noise on a dark road would scatter the ratios.
  cv::Mat f, b;
  frame.convertTo(f, CV_32FC3, 1, 1);
  background.convertTo(b, CV_32FC3, 1, 1);
  cv::blur(f, f, {5, 5});
  cv::blur(b, b, {5, 5});
  cv::Mat ratio;
  cv::divide(f, b, ratio);
  cv::Mat r[3];
  cv::split(ratio, r);
  cv::Mat mean = (r[0] + r[1] + r[2]) / 3;
  cv::Mat spread;
  cv::max(cv::Mat(cv::abs(r[0] - mean)), cv::Mat(cv::abs(r[1] - mean)), spread);
  cv::max(spread, cv::Mat(cv::abs(r[2] - mean)), spread);
  const cv::Mat uniform = spread <= kUniformRatio * mean;
  const cv::Mat shade = (mean >= kShadeRatio.first) & (mean <= kShadeRatio.second);
  const cv::Mat light = (mean >= kLightRatio.first) & (mean <= kLightRatio.second);
  const cv::Mat illumination = uniform & (shade | light) & blob;
  const int pixels = cv::countNonZero(blob);
  return pixels > 0 ? static_cast<double>(cv::countNonZero(illumination)) / pixels : 0;
}

}  // namespace

void MotionDetector::remove_illumination(const cv::Mat& frame, cv::Mat& foreground,
                                         const cv::Mat& tracked) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(foreground.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  const double min_area = options_.min_area_ratio * frame.rows * frame.cols;
  for (size_t i = 0; i < contours.size(); ++i) {
    const cv::Rect box = cv::boundingRect(contours[i]);
    if (box.area() < min_area) continue;
    // A road user the tracker follows through a patch of shade stays one.
    const cv::Point center(box.x + box.width / 2, box.y + box.height / 2);
    if (tracked.at<uchar>(center) != 0) continue;
    cv::Mat blob = cv::Mat::zeros(box.size(), CV_8U);
    cv::drawContours(blob, contours, static_cast<int>(i), 255, cv::FILLED, cv::LINE_8,
                     cv::noArray(), 0, -box.tl());
    if (illumination_share(frame(box), background8_(box), blob) >= options_.shade_share) {
      // Light or shade moved (a branch in the wind, a cloud's edge): not an
      // object, and the background may follow it.
      foreground(box).setTo(0, blob);
    }
  }
}

std::vector<Detection> MotionDetector::detect(const cv::Mat& frame) {
  double dt = options_.frame_seconds;
  if (has_feedback_) {
    time_ = feedback_.time_seconds;
    dt = last_time_ < 0 ? options_.frame_seconds : std::clamp(time_ - last_time_, 0.0, 10.0);
    last_time_ = time_;
  } else {
    time_ += dt;
  }
  if (!background_.empty() && background_.size() != frame.size()) {
    background_.release();  // the stream changed resolution: start over
    startup_.clear();
  }
  if (background_.empty()) {
    if (!collect_startup(frame)) return {};
  }
  const cv::Rect bounds(0, 0, frame.cols, frame.rows);
  const auto mask_of = [&](const std::vector<cv::Rect2d>& boxes) {
    cv::Mat mask = cv::Mat::zeros(frame.size(), CV_8U);
    for (const auto& box : boxes) mask(cv::Rect(box) & bounds).setTo(255);
    return mask;
  };
  const cv::Mat tracked = mask_of(feedback_.established);
  const cv::Mat reported = mask_of(feedback_.reported);
  feedback_ = {};  // used once: the next frame brings its own

  compensate_gain(frame, reported);
  // The flicker score learns from the raw foreground: what it suppresses
  // must keep counting, or suppression would switch itself off.
  cv::Mat raw;
  cv::Mat foreground = foreground_of(frame, tracked, raw);
  remove_ghosts(frame, foreground);
  remove_illumination(frame, foreground, tracked);
  age_foreground(frame, foreground, tracked, dt);
  adapt_pending_ += dt;
  last_dt_ = dt;
  adapt(frame, foreground, tracked);
  update_flicker(raw, reported, dt);
  last_foreground_ = foreground.clone();

  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(foreground, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  const double min_area = options_.min_area_ratio * frame.rows * frame.cols;
  const cv::Mat flicker = flicker_ > options_.flicker_limit;  // a quarter of the size
  const cv::Rect flicker_bounds(0, 0, flicker.cols, flicker.rows);
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
    const cv::Rect quarter =
        cv::Rect(cv::Point(box.x / 4, box.y / 4),
                 cv::Point((box.x + box.width + 3) / 4, (box.y + box.height + 3) / 4)) &
        flicker_bounds;
    d.touches_flicker = quarter.area() > 0 && cv::countNonZero(flicker(quarter)) > 0;
    detections.push_back(std::move(d));
  }
  return detections;
}

}  // namespace tmon::detect
