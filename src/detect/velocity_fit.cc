#include "detect/velocity_fit.h"

#include <algorithm>
#include <cmath>

namespace tmon::detect {
namespace {

// A bend (a steady speed turning into a steady brake or start) is taken
// over a line only when its extra parameter cuts the squared residuals by
// kBendEvidence times the noise it leaves per degree of freedom (an F-test),
// that noise counted as at least kNoiseFloor squared fit tolerances (a run
// of exact points is no licence to fit any wiggle). The knot is the best of
// several, a fourth parameter the test does not count; the large factor
// allows for it.
constexpr double kBendEvidence = 20;
constexpr double kNoiseFloor = 0.02;

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

// Position = c + b t + a (t - knot)^2 after the knot, c + b t before it,
// t relative to the newest time: a steady speed that turns into a steady
// brake or start at the knot (a knot at or before the first point is a
// plain parabola).
struct Bend {
  cv::Point2d c, b, a;
  double knot = 0;
  cv::Point2d at(double t) const {
    const double after = std::max(0.0, t - knot);
    return c + b * t + a * (after * after);
  }
  cv::Point2d velocity_at(double t) const { return b + a * (2 * std::max(0.0, t - knot)); }
};

std::optional<Bend> fit_bend(const std::deque<TimedCenter>& points, size_t first, double t0,
                             double knot) {
  cv::Matx33d normal = cv::Matx33d::zeros();
  cv::Matx32d rhs = cv::Matx32d::zeros();
  for (size_t i = first; i < points.size(); ++i) {
    const double t = points[i].time_seconds - t0;
    const double after = std::max(0.0, t - knot);
    const double basis[3] = {1, t, after * after};
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) normal(r, c) += basis[r] * basis[c];
      rhs(r, 0) += basis[r] * points[i].center.x;
      rhs(r, 1) += basis[r] * points[i].center.y;
    }
  }
  cv::Matx32d solution;
  if (!cv::solve(normal, rhs, solution, cv::DECOMP_LU)) return std::nullopt;
  return Bend{{solution(0, 0), solution(0, 1)},
              {solution(1, 0), solution(1, 1)},
              {solution(2, 0), solution(2, 1)},
              knot};
}

template <typename Curve>
bool within(const std::deque<TimedCenter>& points, size_t first, double t0, const Curve& at,
            double tolerance) {
  for (size_t i = first; i < points.size(); ++i) {
    if (cv::norm(points[i].center - at(points[i].time_seconds - t0)) > tolerance) return false;
  }
  return true;
}

}  // namespace

std::optional<MotionFit> fit_motion(const std::deque<TimedCenter>& points, size_t min_points,
                                    double tolerance, double max_acceleration) {
  min_points = std::max<size_t>(min_points, 2);
  const size_t n = points.size();
  if (n < min_points) return std::nullopt;
  const double t0 = points.back().time_seconds;
  const auto squares = [&](size_t first, const auto& at) {
    double sum = 0;
    for (size_t i = first; i < n; ++i) {
      const cv::Point2d d = points[i].center - at(points[i].time_seconds - t0);
      sum += d.dot(d);
    }
    return sum;
  };
  // Longest run first: drop the oldest point until the rest fit.
  for (size_t first = 0; first + min_points <= n; ++first) {
    const auto line = fit_line(points, first, t0);
    if (!line) continue;
    const auto on_line = [&](double t) { return line->at_t0 + line->slope * t; };
    // The best bend, over every knot with at least three points after it.
    std::optional<Bend> best;
    double best_squares = 0;
    for (size_t knot = first; max_acceleration > 0 && knot + 3 < n; ++knot) {
      const auto bend = fit_bend(points, first, t0, points[knot].time_seconds - t0);
      if (!bend) continue;
      const auto on_bend = [&](double t) { return bend->at(t); };
      // Before the knot it went on; or it stood, and has since clearly
      // moved off (twice the tolerance: a standing blob's outline noise
      // must not read as pulling away, in whatever direction).
      const double span = points.back().time_seconds - points[first].time_seconds;
      const bool stood = cv::norm(bend->b) * span <= tolerance &&
                         cv::norm(bend->at(0) - bend->at(bend->knot)) >= 2 * tolerance;
      const bool keeps_heading = stood || bend->velocity_at(0).dot(bend->b) > 0;
      const bool physical = 2 * cv::norm(bend->a) <= max_acceleration;
      if (!keeps_heading || !physical || !within(points, first, t0, on_bend, tolerance)) continue;
      const double sum = squares(first, on_bend);
      if (!best || sum < best_squares) {
        best = bend;
        best_squares = sum;
      }
    }
    if (best) {
      const double degrees_of_freedom = std::max(1.0, static_cast<double>(n - first) - 3);
      const double noise =
          std::max(best_squares / degrees_of_freedom, kNoiseFloor * tolerance * tolerance);
      if (squares(first, on_line) - best_squares > kBendEvidence * noise) {
        return MotionFit{best->velocity_at(0), best->at(0), best->a * 2, n - first, true};
      }
    }
    if (within(points, first, t0, on_line, tolerance)) {
      return MotionFit{line->slope, line->at_t0, {0, 0}, n - first, false};
    }
  }
  return std::nullopt;
}

std::optional<cv::Point2d> parabola_velocity(const std::deque<TimedCenter>& points) {
  const size_t n = points.size();
  if (n < 2) return std::nullopt;
  const double h2 = points[n - 1].time_seconds - points[n - 2].time_seconds;
  if (h2 <= 0) return std::nullopt;
  const cv::Point2d v2 = (points[n - 1].center - points[n - 2].center) / h2;
  if (n < 3) return v2;
  const double h1 = points[n - 2].time_seconds - points[n - 3].time_seconds;
  if (h1 <= 0) return v2;
  const cv::Point2d v1 = (points[n - 2].center - points[n - 3].center) / h1;
  // v2 is the speed at the middle of the last gap; the acceleration
  // (v2 - v1) / ((h1 + h2) / 2) carries it half a gap on.
  return v2 + (v2 - v1) * (h2 / (h1 + h2));
}

}  // namespace tmon::detect
