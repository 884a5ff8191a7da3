#include "generate/triggers.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace tmon::generate {

std::string_view to_string(Trigger trigger) {
  switch (trigger) {
    case Trigger::kConflict:
      return "conflict";
    case Trigger::kProximity:
      return "proximity";
    case Trigger::kClosing:
      return "closing";
    case Trigger::kTailgating:
      return "tailgating";
    case Trigger::kDensity:
      return "density";
    case Trigger::kCrowd:
      return "crowd";
  }
  return "unknown";
}

int priority_of(Trigger trigger, const config::TaskTriggerConfig& c) {
  switch (trigger) {
    case Trigger::kConflict:
      return c.conflict.priority;
    case Trigger::kProximity:
      return c.proximity.priority;
    case Trigger::kClosing:
      return c.closing.priority;
    case Trigger::kTailgating:
      return c.tailgating.priority;
    case Trigger::kDensity:
      return c.density.priority;
    case Trigger::kCrowd:
      return c.crowd.priority;
  }
  return 0;
}

namespace {

// Closing needs the gap to fall by at least this much (object sizes) over the
// horizon: boxes of standing objects jitter by a pixel or two between frames,
// which extrapolated over the horizon is ~0.2 of a pedestrian's size and must
// not read as two standing road users about to collide. A walker (~1.5 sizes
// per second) or a car clears it many times over.
constexpr double kMinApproach = 0.25;
// Samples of the horizon; the gap between two straight-line tracks is convex
// in time, so a handful of samples finds its minimum closely enough.
constexpr int kHorizonSamples = 10;

bool is_vehicle(const std::string& name) {
  return name == "car" || name == "truck" || name == "bus" || name == "motorcycle" ||
         name == "bicycle";
}

double width(const messages::BoundingBox& b) {
  return b.x2 - b.x1;
}
double height(const messages::BoundingBox& b) {
  return b.y2 - b.y1;
}
double size_of(const messages::BoundingBox& b) {
  return std::sqrt(std::max(0.0, width(b)) * std::max(0.0, height(b)));
}

double box_gap(const messages::BoundingBox& a, const messages::BoundingBox& b) {
  const double dx = std::max({0.0, b.x1 - a.x2, a.x1 - b.x2});
  const double dy = std::max({0.0, b.y1 - a.y2, a.y1 - b.y2});
  return std::hypot(dx, dy);
}

messages::BoundingBox shifted(const messages::BoundingBox& b, double dx, double dy) {
  return {b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy};
}

struct Velocity {
  double x = 0, y = 0;
};

// Velocity of the box centre since the previous frame, px/s; nullopt when the
// object has no usable track.
std::optional<Velocity> velocity_of(const messages::DetectedObject& object,
                                    const TrackHistory& previous, int64_t capture_ts) {
  const auto it = previous.find(object.objectId);
  if (it == previous.end()) return std::nullopt;
  const int64_t dt_ms = capture_ts - it->second.ts_ms;
  if (dt_ms <= 0 || dt_ms > kMaxTrackAgeMs) return std::nullopt;
  const auto& was = it->second.bbox;
  const auto& now = object.bbox;
  const double dt = static_cast<double>(dt_ms) / 1000.0;
  return Velocity{((now.x1 + now.x2) - (was.x1 + was.x2)) / 2 / dt,
                  ((now.y1 + now.y2) - (was.y1 + was.y2)) / 2 / dt};
}

void keep_min(double& slot, double value) {
  slot = slot < 0 ? value : std::min(slot, value);
}

// A road user counts as moving above a quarter of its size per second in
// pixels (a car crawling up to a queue, not a box jittering), or above
// 0.5 m/s on a ground plane (walking pace is ~1.4 m/s).
constexpr double kMovingSizesPerSecond = 0.25;
constexpr double kMovingMetresPerSecond = 0.5;

// Object ids of the members whose track says they move.
std::vector<int> moving_members(const messages::GroupSafety& safety,
                                const std::vector<const messages::DetectedObject*>& members) {
  std::vector<int> moving;
  for (const auto& motion : safety.members) {
    double threshold = kMovingMetresPerSecond;
    if (safety.units != "m") {
      const auto it = std::find_if(members.begin(), members.end(), [&](const auto* object) {
        return object->objectId == motion.objectId;
      });
      if (it == members.end()) continue;
      threshold = kMovingSizesPerSecond * size_of((*it)->bbox);
    }
    if (motion.speed >= threshold) moving.push_back(motion.objectId);
  }
  std::sort(moving.begin(), moving.end());
  return moving;
}

// Whether two objects were within max_gap of each other in the previous
// analysed frame, by their tracks. A road user new to the tracker was not
// (it may have come out of a blob it shared, or through an id switch: news
// either way); in a camera's first frame nothing is known, and a standing
// queue is not news.
bool was_close(const messages::DetectedObject& a, const messages::DetectedObject& b,
               const TrackHistory& previous, int64_t capture_ts, double max_gap) {
  if (previous.empty()) return true;
  const auto then_a = previous.find(a.objectId);
  const auto then_b = previous.find(b.objectId);
  if (then_a == previous.end() || then_b == previous.end()) return false;
  if (then_a->second.ts_ms >= capture_ts || then_b->second.ts_ms >= capture_ts) return true;
  const double size = std::min(size_of(then_a->second.bbox), size_of(then_b->second.bbox));
  return size > 0 && box_gap(then_a->second.bbox, then_b->second.bbox) / size <= max_gap;
}

// How much two boxes overlap across `heading` (px/s, any length > 0), as
// a share of the smaller one's extent there: about 1 for two cars of one
// lane, at most 0 for two in neighbouring lanes.
double overlap_across(const messages::BoundingBox& a, const messages::BoundingBox& b,
                      const Velocity& heading) {
  const double length = std::hypot(heading.x, heading.y);
  const double nx = -heading.y / length;
  const double ny = heading.x / length;
  auto extent = [&](const messages::BoundingBox& box) {
    const double xs[] = {box.x1 * nx, box.x2 * nx};
    const double ys[] = {box.y1 * ny, box.y2 * ny};
    return std::pair{std::min(xs[0], xs[1]) + std::min(ys[0], ys[1]),
                     std::max(xs[0], xs[1]) + std::max(ys[0], ys[1])};
  };
  const auto [a_lo, a_hi] = extent(a);
  const auto [b_lo, b_hi] = extent(b);
  const double smaller = std::min(a_hi - a_lo, b_hi - b_lo);
  if (smaller <= 0) return 1;
  return (std::min(a_hi, b_hi) - std::max(a_lo, b_lo)) / smaller;
}

void add_close_pair(GroupMeasures& m, int a, int b) {
  m.close_pairs.emplace_back(std::min(a, b), std::max(a, b));
}

void add_danger_pair(GroupMeasures& m, int a, int b, double gap) {
  const std::pair pair{std::min(a, b), std::max(a, b)};
  m.danger_pairs.push_back(pair);
  const auto [it, added] = m.danger_gaps.emplace(pair, gap);
  if (!added) it->second = std::min(it->second, gap);
}

}  // namespace

GroupMeasures measure_group(const messages::TrafficGroup& group,
                            const std::vector<const messages::DetectedObject*>& members,
                            const TrackHistory& previous, int64_t capture_ts,
                            const config::TaskTriggerConfig& config) {
  const double horizon_seconds = config.closing.horizon_seconds;
  GroupMeasures m;
  m.members = group.objectIds;
  std::sort(m.members.begin(), m.members.end());
  m.density = group.features.density;
  std::vector<std::optional<Velocity>> velocities;
  double size_sum = 0;
  for (const auto* object : members) {
    velocities.push_back(velocity_of(*object, previous, capture_ts));
    size_sum += size_of(object->bbox);
  }
  if (size_sum > 0)
    m.speed = group.features.speed / (size_sum / static_cast<double>(members.size()));
  for (const auto& pair : group.safety.pairs) {
    if (pair.conflict) {
      m.conflict_pairs.emplace_back(std::min(pair.objectA, pair.objectB),
                                    std::max(pair.objectA, pair.objectB));
    }
  }
  std::sort(m.conflict_pairs.begin(), m.conflict_pairs.end());
  m.conflict_pairs.erase(std::unique(m.conflict_pairs.begin(), m.conflict_pairs.end()),
                         m.conflict_pairs.end());
  // Without track motion the measures cannot rule a conflict out.
  const bool judged = !group.safety.members.empty();
  const std::vector<int> moving = moving_members(group.safety, members);
  auto is_moving = [&](int id) { return std::binary_search(moving.begin(), moving.end(), id); };
  m.conflict_potential = !judged || group.safety.conflict || !m.conflict_pairs.empty();
  // Which way a member goes in the picture, px/s: its filtered track
  // velocity when it moves (in pixels only: ground-plane velocities are in
  // road coordinates), else how it moved since the previous analysed frame.
  auto heading_of = [&](size_t i) -> std::optional<Velocity> {
    const double threshold = kMovingSizesPerSecond * size_of(members[i]->bbox);
    if (group.safety.units != "m") {
      for (const auto& motion : group.safety.members) {
        if (motion.objectId == members[i]->objectId && motion.speed >= threshold)
          return Velocity{motion.vx, motion.vy};
      }
    }
    const auto& moved = velocities[i];
    if (moved && std::hypot(moved->x, moved->y) >= threshold) return moved;
    return std::nullopt;
  };
  // Whether two vehicles follow one another along the way the faster one
  // goes; when neither moves nor moved, nothing rules it out.
  auto in_line = [&](size_t i, size_t j) {
    if (config.tailgating.min_in_line <= 0) return true;
    auto heading = heading_of(i);
    if (const auto other = heading_of(j);
        other && (!heading || std::hypot(other->x, other->y) > std::hypot(heading->x, heading->y))) {
      heading = other;
    }
    return !heading || overlap_across(members[i]->bbox, members[j]->bbox, *heading) >=
                           config.tailgating.min_in_line;
  };

  for (size_t i = 0; i < members.size(); ++i) {
    for (size_t j = i + 1; j < members.size(); ++j) {
      const auto& a = *members[i];
      const auto& b = *members[j];
      const double size = std::min(size_of(a.bbox), size_of(b.bbox));
      if (size <= 0) continue;  // a degenerate box has no meaningful gap
      const double gap = box_gap(a.bbox, b.bbox) / size;
      const bool a_vehicle = is_vehicle(a.className);
      const bool b_vehicle = is_vehicle(b.className);
      if (a_vehicle && b_vehicle) {
        keep_min(m.vehicle_gap, gap);
        // Following too close, or driving up to a stopped vehicle; a queue
        // standing still is no conflict. A pair that came this close since
        // the previous analysed frame was moving then, though both may stand
        // by now: at 1.8 s a car braking hard behind a queue is seen
        // approaching far off, then stopped a few pixels behind.
        if (gap <= config.tailgating.max_gap) add_close_pair(m, a.objectId, b.objectId);
        if (gap <= config.tailgating.max_gap && in_line(i, j) &&
            (is_moving(a.objectId) || is_moving(b.objectId) ||
             !was_close(a, b, previous, capture_ts, config.tailgating.max_gap))) {
          m.conflict_potential = true;
          add_danger_pair(m, a.objectId, b.objectId, gap);
        }
      } else if (a_vehicle != b_vehicle && (a.className == "person" || b.className == "person")) {
        keep_min(m.person_vehicle_gap, gap);
        if (gap <= config.proximity.max_gap) {
          add_close_pair(m, a.objectId, b.objectId);
          m.conflict_potential = true;
          add_danger_pair(m, a.objectId, b.objectId, gap);
        }
      }
      if (horizon_seconds <= 0 || !velocities[i] || !velocities[j]) continue;
      double closest = gap;
      for (int k = 1; k <= kHorizonSamples; ++k) {
        const double t = horizon_seconds * k / kHorizonSamples;
        closest =
            std::min(closest, box_gap(shifted(a.bbox, velocities[i]->x * t, velocities[i]->y * t),
                                      shifted(b.bbox, velocities[j]->x * t, velocities[j]->y * t)) /
                                  size);
      }
      if (closest <= gap - kMinApproach) keep_min(m.predicted_gap, closest);
    }
  }
  std::sort(m.close_pairs.begin(), m.close_pairs.end());
  m.close_pairs.erase(std::unique(m.close_pairs.begin(), m.close_pairs.end()),
                      m.close_pairs.end());
  std::sort(m.danger_pairs.begin(), m.danger_pairs.end());
  m.danger_pairs.erase(std::unique(m.danger_pairs.begin(), m.danger_pairs.end()),
                       m.danger_pairs.end());
  return m;
}

std::vector<Trigger> fired_triggers(const GroupMeasures& m, const config::TaskTriggerConfig& c) {
  std::vector<Trigger> fired;
  if (!m.conflict_pairs.empty()) fired.push_back(Trigger::kConflict);
  if (c.proximity.max_gap > 0 && m.person_vehicle_gap >= 0 &&
      m.person_vehicle_gap <= c.proximity.max_gap) {
    fired.push_back(Trigger::kProximity);
  }
  if (c.closing.horizon_seconds > 0 && m.predicted_gap >= 0 &&
      m.predicted_gap <= c.closing.max_gap) {
    fired.push_back(Trigger::kClosing);
  }
  if (c.tailgating.max_gap > 0 && m.vehicle_gap >= 0 && m.vehicle_gap <= c.tailgating.max_gap) {
    fired.push_back(Trigger::kTailgating);
  }
  if (c.density.min_density > 0 && m.density >= c.density.min_density)
    fired.push_back(Trigger::kDensity);
  if (c.crowd.min_size > 0 && static_cast<int>(m.members.size()) >= c.crowd.min_size) {
    fired.push_back(Trigger::kCrowd);
  }
  std::stable_sort(fired.begin(), fired.end(),
                   [&](Trigger a, Trigger b) { return priority_of(a, c) > priority_of(b, c); });
  return fired;
}

}  // namespace tmon::generate
