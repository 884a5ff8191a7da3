#include "detect/track_filter.h"

#include <algorithm>
#include <cmath>

namespace tmon::detect {
namespace {

// In object sizes (sqrt of box area): how far a box's centre jitters between
// frames (blob outlines are a few pixels off), how fast an unknown object may
// move, and how hard road users brake or accelerate.
constexpr double kMeasurementSigma = 0.08;
constexpr double kInitialSpeedSigma = 1.25;  // sizes per second
constexpr double kAccelerationSigma = 2.0;   // sizes per second squared
constexpr double kSizeSmoothing = 0.5;       // weight of a new measured size
// Manoeuvre response. Road users brake to a stop or pull away within a
// fraction of a second, which constant-velocity smoothing follows only over
// several frames (every TTC in between wrong). A measurement this far from
// its prediction (Mahalanobis distance squared over both axes) is taken as a
// manoeuvre, and the velocity restarts from the last two measurements, when
// they are at most kManoeuvreSpanSeconds apart (farther apart, their
// displacement is no speed of now).
constexpr double kManoeuvreGate2 = 4;
constexpr double kManoeuvreSpanSeconds = 0.6;
// While the recent measurements lie on one line (a fitted velocity), the
// outlines are known to be precise to the fit's tolerance, and a much
// smaller step off that line is a speed change: this many tolerances.
// Without it the first frame after a brake is smoothed in with the old
// speed, and the velocity is right only two frames later, not one.
constexpr double kManoeuvreFitTolerances = 3;
// The fitted velocity: a line through the measurements of the last
// kFitSeconds (at least kMinFitPoints, all within kFitTolerance of it: a
// blob's outline is a pixel or two off, a speed change shows more).
constexpr double kFitSeconds = 1.2;
constexpr size_t kMinFitPoints = 3;
constexpr size_t kMaxFitPoints = 16;  // bound at high frame rates
constexpr double kFitTolerancePixels = 0.8;
constexpr double kFitToleranceSizes = 0.02;
// The fit may also be a bend (a steady brake or start, see fit_motion) of
// at most this many sizes (sqrt of the box area) per second squared: about
// 90 px/s^2 for a car of 70 x 30 px, some 6 m/s^2 at the sim's 15 px/m; an
// instant stop is a manoeuvre, and so is the sim's reckless drivers' 7 m/s^2
// brake (2.5 and 4 sizes read braking tracks worse: more jitter is bent).
constexpr double kMaxBendSizes = 2;

cv::Point2d center_of(const cv::Rect2d& box) {
  return {box.x + box.width / 2, box.y + box.height / 2};
}

}  // namespace

TrackFilter::TrackFilter(const cv::Rect2d& box, double time_seconds)
    : box_size_(box.width, box.height),
      time_(time_seconds),
      last_measured_(center_of(box)),
      last_measured_time_(time_seconds) {
  const cv::Point2d c = center_of(box);
  state_ = {c.x, c.y, 0, 0};
  const double position = measurement_sigma();
  const double speed = kInitialSpeedSigma * size();
  covariance_ = cv::Matx44d::zeros();
  covariance_(0, 0) = covariance_(1, 1) = position * position;
  covariance_(2, 2) = covariance_(3, 3) = speed * speed;
}

double TrackFilter::size() const {
  return std::sqrt(std::max(1.0, box_size_.area()));
}

double TrackFilter::fit_tolerance() const {
  return kFitTolerancePixels + kFitToleranceSizes * size();
}

double TrackFilter::measurement_sigma() const {
  return kMeasurementSigma * size() + 1.0;
}

void TrackFilter::propagate(double dt, cv::Vec4d& state, cv::Matx44d& covariance) const {
  if (dt <= 0) return;
  const cv::Matx44d f(1, 0, dt, 0,  //
                      0, 1, 0, dt,  //
                      0, 0, 1, 0,   //
                      0, 0, 0, 1);
  // Piecewise-constant white acceleration, per axis.
  const double a = kAccelerationSigma * size();
  const double q = a * a;
  const double dt2 = dt * dt;
  cv::Matx44d noise = cv::Matx44d::zeros();
  for (int axis = 0; axis < 2; ++axis) {
    noise(axis, axis) = q * dt2 * dt2 / 4;
    noise(axis, axis + 2) = noise(axis + 2, axis) = q * dt2 * dt / 2;
    noise(axis + 2, axis + 2) = q * dt2;
  }
  state = f * state;
  covariance = f * covariance * f.t() + noise;
}

TrackFilter::Prediction TrackFilter::predict(double time_seconds) const {
  cv::Vec4d state = state_;
  cv::Matx44d covariance = covariance_;
  propagate(time_seconds - time_, state, covariance);
  const double r = measurement_sigma();
  Prediction p;
  p.center = {state(0), state(1)};
  p.box = {p.center.x - box_size_.width / 2, p.center.y - box_size_.height / 2, box_size_.width,
           box_size_.height};
  p.innovation = cv::Matx22d(covariance(0, 0) + r * r, covariance(0, 1), covariance(1, 0),
                             covariance(1, 1) + r * r);
  return p;
}

double TrackFilter::distance2(const Prediction& prediction, const cv::Point2d& measured) {
  const cv::Vec2d y(measured.x - prediction.center.x, measured.y - prediction.center.y);
  return (y.t() * prediction.innovation.inv() * y)(0);
}

void TrackFilter::restart(const cv::Point2d& from, const cv::Point2d& to, double dt) {
  const double r = measurement_sigma();
  const double a = kAccelerationSigma * size();
  state_ = {to.x, to.y, (to.x - from.x) / dt, (to.y - from.y) / dt};
  covariance_ = cv::Matx44d::zeros();
  const double velocity_variance = 2 * r * r / (dt * dt) + a * a * dt * dt / 4;
  for (int axis = 0; axis < 2; ++axis) {
    covariance_(axis, axis) = r * r;
    covariance_(axis, axis + 2) = covariance_(axis + 2, axis) = r * r / dt;
    covariance_(axis + 2, axis + 2) = velocity_variance;
  }
}

void TrackFilter::update(const cv::Rect2d& measured, double time_seconds, bool manoeuvres) {
  const cv::Point2d c = center_of(measured);
  const double dt = time_seconds - time_;
  const cv::Point2d previous = last_measured_;
  const double since_previous = time_seconds - last_measured_time_;
  last_measured_ = c;
  last_measured_time_ = time_seconds;
  const auto take_size = [&] {
    box_size_.width += kSizeSmoothing * (measured.width - box_size_.width);
    box_size_.height += kSizeSmoothing * (measured.height - box_size_.height);
  };
  const auto remember = [&](bool restarted) {
    if (restarted) {
      recent_.clear();
      recent_.push_back({time_seconds - since_previous, previous});
    }
    recent_.push_back({time_seconds, c});
    while (recent_.size() > kMaxFitPoints ||
           recent_.front().time_seconds < time_seconds - kFitSeconds - 1e-9) {
      recent_.pop_front();
    }
    fitted_ = fit_motion(recent_, kMinFitPoints, fit_tolerance(), kMaxBendSizes * size());
  };
  if (updates_++ == 0 && dt > 0) {
    // Two-point start: the velocity is the displacement over the time. A
    // Kalman update from the "unknown velocity" prior would credit part of
    // the displacement to acceleration and overshoot, by up to twice when
    // frames are a second or more apart.
    restart(previous, c, dt);
    time_ = time_seconds;
    take_size();
    remember(true);
    return;
  }
  propagate(dt, state_, covariance_);
  time_ = std::max(time_, time_seconds);
  const double r = measurement_sigma();
  const cv::Matx22d s(covariance_(0, 0) + r * r, covariance_(0, 1), covariance_(1, 0),
                      covariance_(1, 1) + r * r);
  const cv::Vec2d y(c.x - state_(0), c.y - state_(1));
  const std::optional<Line> recent = recent_line();
  const bool off_the_line =
      recent && cv::norm(c - recent->at(time_seconds)) > kManoeuvreFitTolerances * fit_tolerance();
  if (manoeuvres && ((y.t() * s.inv() * y)(0) > kManoeuvreGate2 || off_the_line) &&
      since_previous > 0 && since_previous <= kManoeuvreSpanSeconds) {
    // A manoeuvre: what the object did before says nothing about now. Its
    // velocity is the last two measurements' (as at the start), not a
    // smoothing of the old speed with the new.
    ++manoeuvres_;
    restart(previous, c, since_previous);
    take_size();
    remember(true);
    return;
  }
  // Gain K = P H' S^-1, with H picking the position.
  cv::Matx<double, 4, 2> ph;
  for (int i = 0; i < 4; ++i) {
    ph(i, 0) = covariance_(i, 0);
    ph(i, 1) = covariance_(i, 1);
  }
  const cv::Matx<double, 4, 2> gain = ph * s.inv();
  state_ += gain * y;
  cv::Matx<double, 2, 4> h = cv::Matx<double, 2, 4>::zeros();
  h(0, 0) = h(1, 1) = 1;
  covariance_ = (cv::Matx44d::eye() - gain * h) * covariance_;
  take_size();
  remember(false);
}

std::optional<TrackFilter::Line> TrackFilter::recent_line() const {
  if (fitted_ && fitted_->curved) {
    // Braking or speeding up steadily: from the newest point on the bend,
    // at its speed and acceleration there.
    return Line{fitted_->position, recent_.back().time_seconds, fitted_->velocity,
                fitted_->acceleration};
  }
  if (fitted_) {
    // Through the centroid of the newest points (all on the fit's line
    // within its tolerance): steadier than the newest point alone.
    const size_t n = std::min(recent_.size(), kMinFitPoints);
    Line line{{0, 0}, 0, fitted_->velocity, {0, 0}};
    for (size_t i = recent_.size() - n; i < recent_.size(); ++i) {
      line.point += recent_[i].center / static_cast<double>(n);
      line.time_seconds += recent_[i].time_seconds / static_cast<double>(n);
    }
    return line;
  }
  if (recent_.size() == 2 && recent_.back().time_seconds > recent_.front().time_seconds) {
    // Just started or restarted: the line through its two points. A brake
    // in the middle of an interval shows as two steps, the second off this
    // line (the restart took the half-braked interval's speed).
    const auto& [t0, from] = recent_.front();
    const auto& [t1, to] = recent_.back();
    return Line{to, t1, (to - from) / (t1 - t0), {0, 0}};
  }
  return std::nullopt;
}

cv::Point2d TrackFilter::velocity() const {
  return fitted_ ? fitted_->velocity : cv::Point2d(state_(2), state_(3));
}

void TrackFilter::set_velocity(const cv::Point2d& velocity, double sigma) {
  state_(2) = velocity.x;
  state_(3) = velocity.y;
  for (int i = 0; i < 4; ++i) {
    covariance_(2, i) = covariance_(i, 2) = 0;
    covariance_(3, i) = covariance_(i, 3) = 0;
  }
  covariance_(2, 2) = covariance_(3, 3) = sigma * sigma;
  recent_.clear();
  fitted_.reset();
}

cv::Rect2d TrackFilter::box() const {
  return {state_(0) - box_size_.width / 2, state_(1) - box_size_.height / 2, box_size_.width,
          box_size_.height};
}

}  // namespace tmon::detect
