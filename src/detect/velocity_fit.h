#pragma once

#include <deque>
#include <opencv2/core.hpp>
#include <optional>

namespace tmon::detect {

// A measured centre of a road user's box at a time (seconds).
struct TimedCenter {
  double time_seconds = 0;
  cv::Point2d center;
};

// A road user's motion at its newest measurement, as fitted to the newest
// measured centres.
struct MotionFit {
  cv::Point2d velocity;      // units per second, at the newest time
  cv::Point2d position;      // on the fit, at the newest time
  cv::Point2d acceleration;  // units per second squared; 0 on a line
  size_t points = 0;         // how many of the newest points the fit explains
  bool curved = false;       // a bend, not a line
};

// Fits the newest `points` (oldest first) over the longest run of newest
// points, at least `min_points` of them, that all lie within `tolerance`
// (units) of the fit. None when no such run exists (the object changed speed
// within the last min_points, or it is too new).
//
// The fit is a least-squares straight line of position against time, or a
// *bend*: a steady speed that turns, at one of the measured times, into a
// steady brake or start (speed changing linearly after that knot, a plain
// parabola when the knot is the run's first point). A bend is taken only
// when it
// - has at least three points after its knot (one odd outline is no bend),
// - keeps its heading, or starts from a standstill (road users do not
//   reverse: a bend whose speed passes through zero is a stop, left to the
//   line fit and the caller's manoeuvre restart; right at zero speed,
//   whether a bend keeps its heading is up to the outline noise, and either
//   reading is near zero; one that stood before the knot, within the
//   tolerance over the run, and has moved at least twice the tolerance
//   since, pulls away in whatever direction it goes),
// - changes speed at most at `max_acceleration` (units/s^2; an instant stop
//   is a manoeuvre for the caller, not a bend), and
// - fits the run far better than the line does (an F-test against the noise
//   it leaves: jittery outlines are no bend).
// A line's velocity is the same all along it; a bend's is taken at the
// newest time. 0 for `max_acceleration` fits lines only.
//
// Why: a velocity from two measurements carries both their outline errors,
// divided by one frame interval; a line through six measurements a second
// long divides the same errors by the whole second, and one speed change
// inside it shows as residuals, so the fit never spans a sudden brake or
// start. A line through a steady brake, though, gives the speed of the
// middle of its points, 0.2-0.5 s old; the bend gives now's.
std::optional<MotionFit> fit_motion(const std::deque<TimedCenter>& points, size_t min_points,
                                    double tolerance, double max_acceleration);

// The velocity at the newest of the last three points: the derivative there
// of the parabola through them (the line through the last two when there
// are only two). Exact while the acceleration held over those points, but
// it carries their outline noise divided by a fraction of their span: the
// bench's reference for what frames at that rate can show, not the
// tracker's estimate. None with fewer than two points, or two at one time.
std::optional<cv::Point2d> parabola_velocity(const std::deque<TimedCenter>& points);

}  // namespace tmon::detect
