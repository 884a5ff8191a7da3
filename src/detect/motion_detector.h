#pragma once

#include <deque>

#include "detect/detector.h"

namespace tmon::detect {

struct MotionOptions {
  int startup_frames = 5;          // the first background is the median of these (odd)
  int threshold = 45;              // sum over B, G, R of |frame - background| to count as moving
  double adapt_rate = 0.15;        // how fast background pixels follow the light
  int absorb_after = 8;            // frames a pixel may stay foreground before it is background
  double ghost_edge_ratio = 0.6;   // a blob with less edge than this x its background's is a ghost
  double min_area_ratio = 0.0004;  // smallest blob, as a fraction of the frame area
  cv::Mat roi_mask;                // 8-bit, non-zero where to look; empty: everywhere
};

// The detector that needs no model file: background subtraction, morphology,
// contours, a minimum area, and a class from size and shape (tall and narrow:
// person; large: truck; else car).
//
// The background suits sampled cameras, whose frames are seconds apart so
// that traffic jumps far between them. It starts as the per-pixel median of
// the first frames (the road wherever nothing stood still through most of
// them: no start-up ghosts), then adapts only where nothing is detected, so a
// vehicle waiting at a crossing stays visible instead of fading away, and
// the light can still change. A pixel that stays foreground for
// `absorb_after` frames joins the background (a parked car, a ghost).
class MotionDetector final : public Detector {
 public:
  explicit MotionDetector(MotionOptions options = {});
  std::vector<Detection> detect(const cv::Mat& frame) override;
  const char* name() const override { return "motion"; }

  // The current background estimate (empty until it has formed).
  cv::Mat background() const;

 private:
  cv::Mat foreground_of(const cv::Mat& frame) const;
  void adapt(const cv::Mat& frame, const cv::Mat& foreground);
  // Drops ghost blobs from `foreground` (and heals the background there).
  void remove_ghosts(const cv::Mat& frame, cv::Mat& foreground);

  MotionOptions options_;
  std::deque<cv::Mat> startup_;  // frames until the first background
  cv::Mat background_;           // CV_32FC3
  cv::Mat foreground_age_;       // CV_8U: frames each pixel has been foreground
};

// The class a blob most likely is, from its box and the frame height (sizes
// scale with resolution): "person", "truck" or "car".
std::string classify_blob(const cv::Rect& box, int frame_height);

// Per-pixel median of same-size 8-bit images (an odd number of them), by an
// odd-even transposition sort of whole images: a handful of vectorised
// min/max passes instead of a sort per pixel.
cv::Mat median_image(const std::deque<cv::Mat>& images);

}  // namespace tmon::detect
