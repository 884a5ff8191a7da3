#include "detect/ssm.h"

#include <algorithm>
#include <cmath>

#include "detect/grouping.h"

namespace tmon::detect {
namespace {

// Boxes closer than this (relative to their size) touch; keeps boxes that
// merely share an edge (a blob split in two) from counting as overlapping.
constexpr double kTouchEpsilon = 1e-6;

// A time interval [lo, hi], empty when lo > hi.
struct Interval {
  double lo = -INFINITY;
  double hi = INFINITY;
  bool empty() const { return lo > hi; }
};

// Times t at which p + v t <= q - eps, as an interval.
Interval while_below(double p, double v, double q, double eps) {
  const double room = q - eps - p;
  if (v == 0) return room >= 0 ? Interval{} : Interval{1, 0};
  const double t = room / v;
  return v > 0 ? Interval{-INFINITY, t} : Interval{t, INFINITY};
}

Interval intersect(Interval a, Interval b) {
  return {std::max(a.lo, b.lo), std::min(a.hi, b.hi)};
}

double epsilon_for(const cv::Rect2d& a, const cv::Rect2d& b) {
  return kTouchEpsilon * std::max({1.0, a.width, a.height, b.width, b.height});
}

// A point (t, s) of the plane of times: t on path A, s on path B.
using TimePoint = cv::Point2d;

// Keeps the part of a convex polygon where alpha*t + beta*s + gamma <= 0.
std::vector<TimePoint> clip(const std::vector<TimePoint>& polygon, double alpha, double beta,
                            double gamma) {
  std::vector<TimePoint> out;
  const size_t n = polygon.size();
  for (size_t i = 0; i < n; ++i) {
    const TimePoint& p = polygon[i];
    const TimePoint& q = polygon[(i + 1) % n];
    const double fp = alpha * p.x + beta * p.y + gamma;
    const double fq = alpha * q.x + beta * q.y + gamma;
    if (fp <= 0) out.push_back(p);
    if ((fp < 0 && fq > 0) || (fp > 0 && fq < 0)) {
      const double k = fp / (fp - fq);
      out.push_back(p + k * (q - p));
    }
  }
  return out;
}

// A box edge moving linearly over a segment: value at time t is
// start + rate * (t - t0).
struct Edge {
  double start, rate, t0;
};

Edge edge(double from, double to, double t0, double t1) {
  return {from, t1 > t0 ? (to - from) / (t1 - t0) : 0.0, t0};
}

// Least |t - s| over the times at which box A (moving over [a0, a1]) and box
// B (over [b0, b1]) overlap, or none.
std::optional<double> least_gap_between(const TimedBox& a0, const TimedBox& a1, const TimedBox& b0,
                                        const TimedBox& b1) {
  std::vector<TimePoint> polygon{
      {a0.time, b0.time}, {a1.time, b0.time}, {a1.time, b1.time}, {a0.time, b1.time}};
  const double eps = epsilon_for(a0.box, b0.box);
  // For each axis: A's low edge below B's high edge, and B's low below A's high.
  const auto low = [](const cv::Rect2d& r, int axis) { return axis == 0 ? r.x : r.y; };
  const auto high = [](const cv::Rect2d& r, int axis) {
    return axis == 0 ? r.x + r.width : r.y + r.height;
  };
  for (int axis = 0; axis < 2 && !polygon.empty(); ++axis) {
    const Edge a_low = edge(low(a0.box, axis), low(a1.box, axis), a0.time, a1.time);
    const Edge a_high = edge(high(a0.box, axis), high(a1.box, axis), a0.time, a1.time);
    const Edge b_low = edge(low(b0.box, axis), low(b1.box, axis), b0.time, b1.time);
    const Edge b_high = edge(high(b0.box, axis), high(b1.box, axis), b0.time, b1.time);
    // a_low(t) - b_high(s) + eps <= 0
    polygon =
        clip(polygon, a_low.rate, -b_high.rate,
             a_low.start - a_low.rate * a_low.t0 - b_high.start + b_high.rate * b_high.t0 + eps);
    if (polygon.empty()) break;
    // b_low(s) - a_high(t) + eps <= 0
    polygon =
        clip(polygon, -a_high.rate, b_low.rate,
             b_low.start - b_low.rate * b_low.t0 - a_high.start + a_high.rate * a_high.t0 + eps);
  }
  if (polygon.empty()) return std::nullopt;
  double least = INFINITY;
  bool before = false, after = false;
  for (const auto& p : polygon) {
    least = std::min(least, std::abs(p.x - p.y));
    before |= p.x <= p.y;
    after |= p.x >= p.y;
  }
  // The polygon is convex: vertices on both sides of t = s mean it holds a
  // moment both were there.
  return before && after ? 0.0 : least;
}

double heading_difference_degrees(const cv::Point2d& u, const cv::Point2d& v) {
  const double nu = cv::norm(u);
  const double nv = cv::norm(v);
  if (nu == 0 || nv == 0) return 0;
  const double cosine = std::clamp(u.dot(v) / (nu * nv), -1.0, 1.0);
  return std::acos(cosine) * 180.0 / M_PI;
}

cv::Point2d center_of(const cv::Rect2d& box) {
  return {box.x + box.width / 2, box.y + box.height / 2};
}

// Net displacement over a path: which way it went.
cv::Point2d travel_of(const RoadUser& user) {
  if (user.path.size() < 2) return user.velocity;
  return center_of(user.path.back().box) - center_of(user.path.front().box);
}

// The area a road user swept or will sweep: its path and its box carried on
// over the horizon. Pairs whose areas do not meet cannot have a TTC or PET.
cv::Rect2d reach_of(const RoadUser& user, double horizon) {
  cv::Rect2d reach = user.box | (user.box + user.velocity * horizon);
  for (const auto& point : user.path) reach |= point.box;
  return reach;
}

}  // namespace

std::optional<double> time_to_collision(const cv::Rect2d& a, const cv::Point2d& velocity_a,
                                        const cv::Rect2d& b, const cv::Point2d& velocity_b,
                                        double horizon) {
  // Boxes that overlap already are in contact, or one hides the other.
  if ((a & b).area() > 0) return std::nullopt;
  const cv::Point2d v = velocity_a - velocity_b;  // A's motion relative to B
  // Touching on x: a.x + v.x t <= b.x + b.w  and  b.x <= a.x + a.w + v.x t.
  Interval when = while_below(a.x, v.x, b.x + b.width, 0);
  when = intersect(when, while_below(b.x, -v.x, a.x + a.width, 0));
  when = intersect(when, while_below(a.y, v.y, b.y + b.height, 0));
  when = intersect(when, while_below(b.y, -v.y, a.y + a.height, 0));
  if (when.empty() || when.hi <= 0 || when.lo > horizon) return std::nullopt;
  if (when.lo > 0) return when.lo;
  // Touching now: a collision if closing, nothing if they keep their distance.
  const cv::Point2d between = (b.tl() + b.br()) / 2 - (a.tl() + a.br()) / 2;
  return v.dot(between) > 0 ? std::optional<double>(0.0) : std::nullopt;
}

std::optional<double> post_encroachment_time(const std::vector<TimedBox>& a,
                                             const std::vector<TimedBox>& b) {
  if (a.empty() || b.empty()) return std::nullopt;
  // A single point is a path standing still for an instant.
  const auto segments = [](const std::vector<TimedBox>& path) {
    std::vector<std::pair<TimedBox, TimedBox>> out;
    if (path.size() == 1) out.emplace_back(path[0], path[0]);
    for (size_t i = 0; i + 1 < path.size(); ++i) out.emplace_back(path[i], path[i + 1]);
    return out;
  };
  std::optional<double> best;
  for (const auto& [a0, a1] : segments(a)) {
    const cv::Rect2d a_swept = a0.box | a1.box;
    for (const auto& [b0, b1] : segments(b)) {
      if (box_gap(a_swept, b0.box | b1.box) > 0) continue;
      const auto gap = least_gap_between(a0, a1, b0, b1);
      if (gap && (!best || *gap < *best)) best = gap;
    }
  }
  return best;
}

std::vector<PairSafety> measure_pairs(const std::vector<RoadUser>& users,
                                      const SafetyOptions& options) {
  std::vector<cv::Rect2d> reach;
  reach.reserve(users.size());
  for (const auto& user : users) reach.push_back(reach_of(user, options.horizon_seconds));
  std::vector<PairSafety> pairs;
  for (size_t i = 0; i < users.size(); ++i) {
    for (size_t j = i + 1; j < users.size(); ++j) {
      if (box_gap(reach[i], reach[j]) > 0) continue;
      const RoadUser& a = users[i];
      const RoadUser& b = users[j];
      PairSafety pair;
      pair.a = a.id;
      pair.b = b.id;
      pair.ttc = time_to_collision(a.box, a.velocity, b.box, b.velocity, options.horizon_seconds);
      if (heading_difference_degrees(travel_of(a), travel_of(b)) >= options.crossing_degrees) {
        pair.pet = post_encroachment_time(a.path, b.path);
      }
      if (!pair.ttc && !pair.pet) continue;
      pair.distance = box_gap(a.box, b.box);
      const cv::Point2d between = center_of(b.box) - center_of(a.box);
      const double length = cv::norm(between);
      if (length > 0) pair.closing_speed = (a.velocity - b.velocity).dot(between) / length;
      pair.conflict = (pair.ttc && *pair.ttc <= options.ttc_seconds) ||
                      (pair.pet && *pair.pet <= options.pet_seconds);
      pairs.push_back(pair);
    }
  }
  return pairs;
}

}  // namespace tmon::detect
