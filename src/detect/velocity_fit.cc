#include "detect/velocity_fit.h"

#include <algorithm>
#include <cmath>

namespace tmon::detect {
namespace {

// Slope and intercept of value against time over [first, end), time taken
// relative to `t0` for a well-conditioned sum.
struct Line {
  cv::Point2d slope;
  cv::Point2d at_t0;
};

std::optional<Line> fit_line(const std::deque<TimedCenter>& points, size_t first, double t0) {
  const double n = static_cast<double>(points.size() - first);
  double st = 0, stt = 0;
  cv::Point2d sp, stp;
  for (size_t i = first; i < points.size(); ++i) {
    const double t = points[i].time_seconds - t0;
    st += t;
    stt += t * t;
    sp += points[i].center;
    stp += t * points[i].center;
  }
  const double denominator = n * stt - st * st;
  // All at one time (or nearly): no speed to be had.
  if (denominator <= 1e-12 * std::max(1.0, n * stt)) return std::nullopt;
  const cv::Point2d slope = (n * stp - st * sp) / denominator;
  return Line{slope, (sp - slope * st) / n};
}

}  // namespace

std::optional<cv::Point2d> fit_velocity(const std::deque<TimedCenter>& points, size_t min_points,
                                        double tolerance) {
  min_points = std::max<size_t>(min_points, 2);
  if (points.size() < min_points) return std::nullopt;
  const double t0 = points.back().time_seconds;
  // Longest run first: drop the oldest point until the rest lie on a line.
  for (size_t first = 0; first + min_points <= points.size(); ++first) {
    const auto line = fit_line(points, first, t0);
    if (!line) continue;
    bool fits = true;
    for (size_t i = first; i < points.size() && fits; ++i) {
      const cv::Point2d on_line = line->at_t0 + line->slope * (points[i].time_seconds - t0);
      fits = cv::norm(points[i].center - on_line) <= tolerance;
    }
    if (fits) return line->slope;
  }
  return std::nullopt;
}

}  // namespace tmon::detect
