#pragma once

#include <deque>

#include "detect/detector.h"

namespace tmon::detect {

struct MotionOptions {
  int startup_frames = 9;                // the first background is the median of these (odd)
  double startup_spacing_seconds = 1.0;  // ...taken at least this far apart
  int threshold = 45;               // sum over B, G, R of |frame - background| to count as moving
  double adapt_seconds = 10;        // time constant of the background following the light
  double absorb_after_seconds = 3;  // foreground standing still this long, untracked, is background
  double flicker_seconds = 6;       // time constant of the flicker score
  double flicker_limit = 0.3;       // share of untracked foreground that marks a pixel as flicker
  double adapt_step_seconds = 0.5;  // the background is blended in steps this far apart
  double shade_share = 0.6;  // a blob this much uniformly darker or lighter is light, not an object
  double ghost_edge_ratio = 0.6;   // a blob with less edge than this x its background's is a ghost
  double min_area_ratio = 0.0004;  // smallest blob, as a fraction of the frame area
  double frame_seconds = 1.8;      // time between frames when observe() does not tell
  cv::Mat roi_mask;                // 8-bit, non-zero where to look; empty: everywhere
};

// The detector that needs no model file: background subtraction, morphology,
// contours, a minimum area, and a class from size and shape (tall and narrow:
// person; large: truck; else car).
//
// Built for real cameras watched several times a second:
// - the first background is the per-pixel median of frames spread over a few
//   seconds (the road wherever nothing stood still through most of them);
// - global gain is compensated before differencing: the background is scaled
//   to the frame's brightness, measured where nothing moves, so
//   auto-exposure drift does not turn the whole picture into foreground;
// - the background adapts (time constant adapt_seconds) only where nothing
//   is detected and nothing tracked stands, so drift and shade are absorbed
//   but traffic is not, and a vehicle waiting at a crossing stays visible;
// - foreground that no track explains (flicker: swaying shadows, leaves)
//   raises a per-pixel score; where the score stays high, such foreground
//   is suppressed, except where a tracked road user passes;
// - foreground that stands still for absorb_after_seconds without an
//   established track joins the background (where a car waiting in the
//   first frames has left, an object dropped on the road), and ghosts whose
//   outline is gone from the frame are healed at once.
class MotionDetector final : public Detector {
 public:
  explicit MotionDetector(MotionOptions options = {});
  std::vector<Detection> detect(const cv::Mat& frame) override;
  const char* name() const override { return "motion"; }
  void observe(const TrackFeedback& feedback) override;
  bool finds_motion() const override { return true; }

  // The current background estimate (empty until it has formed).
  cv::Mat background() const;
  // Pixels currently treated as flicker (8-bit mask; empty before the background).
  cv::Mat flicker_mask() const;
  double gain() const { return gain_; }

 private:
  bool collect_startup(const cv::Mat& frame);
  void compensate_gain(const cv::Mat& frame, const cv::Mat& reported);
  void age_foreground(const cv::Mat& frame, const cv::Mat& foreground, const cv::Mat& tracked,
                      double dt);
  // The cleaned foreground, and in `raw` the thresholded difference before
  // flicker suppression and morphology.
  cv::Mat foreground_of(const cv::Mat& frame, const cv::Mat& tracked, cv::Mat& raw) const;
  void adapt(const cv::Mat& frame, const cv::Mat& foreground, const cv::Mat& tracked);
  void update_flicker(const cv::Mat& foreground, const cv::Mat& reported, double dt);
  // Drops ghost blobs from `foreground` (and heals the background there).
  void remove_ghosts(const cv::Mat& frame, cv::Mat& foreground);
  // Drops blobs that are light or shade moving, not objects.
  void remove_illumination(const cv::Mat& frame, cv::Mat& foreground, const cv::Mat& tracked);
  // Puts the frame's `pixels` (a mask of `region`) into the background.
  void heal(const cv::Mat& frame, const cv::Rect& region, const cv::Mat& pixels,
            cv::Mat& foreground);

  MotionOptions options_;
  std::deque<cv::Mat> startup_;  // frames until the first background
  double last_startup_time_ = -1e9;
  cv::Mat background_;        // CV_32FC3, at the exposure of the first frames
  double gain_ = 1;           // the current exposure relative to background_'s
  cv::Mat background8_;       // background_ x gain_, as the frame's type
  cv::Mat foreground_age_;    // CV_32F: seconds each pixel has stood still as untracked foreground
  cv::Mat flicker_;           // CV_32F, a quarter of the size: recent share of untracked foreground
  double adapt_pending_ = 0;  // seconds since the background was last blended
  double last_dt_ = 0;        // seconds between the last two frames
  cv::Mat last_foreground_;   // CV_8U: the previous frame's, for gain measurement
  cv::Mat previous_gray_;     // the previous frame, for what stands still
  TrackFeedback feedback_;
  bool has_feedback_ = false;
  double time_ = 0;
  double last_time_ = -1;
};

// The class a blob most likely is, from its box and the frame height (sizes
// scale with resolution): "person", "truck" or "car".
std::string classify_blob(const cv::Rect& box, int frame_height);

// Per-pixel median of same-size 8-bit images (an odd number of them), by an
// odd-even transposition sort of whole images: a handful of vectorised
// min/max passes instead of a sort per pixel.
cv::Mat median_image(const std::deque<cv::Mat>& images);

}  // namespace tmon::detect
