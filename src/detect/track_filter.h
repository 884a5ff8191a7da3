#pragma once

#include <algorithm>
#include <deque>
#include <opencv2/core.hpp>
#include <optional>

#include "detect/velocity_fit.h"

namespace tmon::detect {

// A constant-velocity Kalman filter over one road user's box centre (state
// x, y, vx, vy in pixels and pixels per second), with the box size smoothed
// apart. Noise scales with the object's size, so near and far objects (and
// any resolution) are filtered alike: a new track starts with an unknown
// velocity (a few sizes per second either way), which its first matches pin
// down, and then follows braking and turning through its process noise.
class TrackFilter {
 public:
  struct Prediction {
    cv::Point2d center;
    cv::Rect2d box;
    cv::Matx22d innovation;  // covariance of a measured centre around `center`
  };

  TrackFilter(const cv::Rect2d& box, double time_seconds);

  // Where the object should be at `time_seconds` (no state change).
  Prediction predict(double time_seconds) const;
  // Mahalanobis distance squared of a measured centre from a prediction.
  static double distance2(const Prediction& prediction, const cv::Point2d& measured);
  // Folds in a measurement taken at `time_seconds` (after the last one). A
  // measurement far outside its prediction's uncertainty, or a few outline
  // tolerances off the line the recent measurements lie on, is a manoeuvre
  // (braking, pulling away, turning): the velocity then restarts from the
  // last two measurements rather than being smoothed in over many frames;
  // only when `manoeuvres` allows (a blob that flickers in place jumps about
  // too, and its velocity must stay smoothed to near zero).
  void update(const cv::Rect2d& measured, double time_seconds, bool manoeuvres = true);

  // Replaces the velocity estimate (a better one was measured another way),
  // with `sigma` px/s of uncertainty. The measurements so far no longer
  // count for the fitted velocity.
  void set_velocity(const cv::Point2d& velocity, double sigma);

  cv::Rect2d box() const;
  cv::Point2d center() const { return {state_(0), state_(1)}; }
  // The best estimate of the velocity now: the fit of the measurements since
  // the last sudden speed change when at least three of them lie on a line
  // or four on a steady brake or start (see fit_motion), else the Kalman
  // state's.
  cv::Point2d velocity() const;
  // Whether velocity() is the fit of several measurements (for tests).
  bool fitted() const { return fitted_.has_value(); }
  double size() const;  // sqrt of the smoothed box area
  double last_time() const { return time_; }
  // Updates taken as a sudden change of speed or heading (see update()).
  int manoeuvres() const { return manoeuvres_; }

 private:
  void propagate(double dt, cv::Vec4d& state, cv::Matx44d& covariance) const;
  double measurement_sigma() const;
  // How far (px) a precise outline's centre may lie off the fitted line.
  double fit_tolerance() const;
  // The line the recent measurements lie on: the fitted velocity through
  // the centroid of the newest points (on a bend: the newest point, with
  // its acceleration), or just after a (re)start the line through its two
  // points. None when there is neither.
  struct Line {
    cv::Point2d point;
    double time_seconds = 0;
    cv::Point2d velocity;
    cv::Point2d acceleration;
    cv::Point2d at(double t) const {
      double dt = t - time_seconds;
      // A brake ends at a standstill, not in reverse.
      const double along = velocity.dot(acceleration);
      if (along < 0) dt = std::min(dt, -along / acceleration.dot(acceleration));
      return point + velocity * dt + acceleration * (dt * dt / 2);
    }
  };
  std::optional<Line> recent_line() const;
  // State from two measured centres `dt` apart: at `to`, moving from `from`.
  void restart(const cv::Point2d& from, const cv::Point2d& to, double dt);

  cv::Vec4d state_;
  cv::Matx44d covariance_;
  cv::Size2d box_size_;
  double time_ = 0;
  int updates_ = 0;
  int manoeuvres_ = 0;
  cv::Point2d last_measured_;  // the latest measured centre, and when
  double last_measured_time_ = 0;
  // Measured centres since the last restart or set_velocity(), newest last,
  // at most kFitSeconds old.
  std::deque<TimedCenter> recent_;
  std::optional<MotionFit> fitted_;
};

}  // namespace tmon::detect
