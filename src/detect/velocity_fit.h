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

// The velocity (units per second) of a least-squares straight-line fit of
// position against time over the newest `points` (oldest first): over the
// longest run of newest points, at least `min_points` of them, that all lie
// within `tolerance` (units) of their fit. None when no such run exists (the
// object changed speed within the last min_points, or it is too new).
//
// Why: a velocity from two measurements carries both their outline errors,
// divided by one frame interval; a line through six measurements a second
// long divides the same errors by the whole second, and one speed change
// inside it shows as residuals, so the fit never spans a brake or a start.
std::optional<cv::Point2d> fit_velocity(const std::deque<TimedCenter>& points, size_t min_points,
                                        double tolerance);

}  // namespace tmon::detect
