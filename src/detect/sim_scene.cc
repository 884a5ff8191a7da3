#include "detect/sim_scene.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <opencv2/imgproc.hpp>
#include <optional>

namespace tmon::detect {
namespace {

using namespace sim_geometry;

Result<double> parse_number(const std::string& key, const std::string& text, double lo, double hi) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < lo || value > hi) {
    return make_error(ErrorCode::kInvalidArgument,
                      "sim:// parameter " + key + ": expected a number in [" + std::to_string(lo) +
                          ", " + std::to_string(hi) + "], got \"" + text + "\"");
  }
  return value;
}

}  // namespace

Result<SimOptions> SimOptions::parse(const std::string& url) {
  constexpr std::string_view kScheme = "sim://";
  if (url.rfind(kScheme, 0) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "not a sim:// URL: " + url);
  }
  SimOptions options;
  const size_t question = url.find('?');
  if (question == std::string::npos) return options;
  std::map<std::string, std::string> params;
  std::string_view query = std::string_view(url).substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    params[std::string(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  struct Parameter {
    double lo, hi;
    std::function<void(double)> set;
  };
  const std::map<std::string, Parameter> known{
      {"seed", {0, 1e15, [&](double v) { options.seed = static_cast<uint64_t>(v); }}},
      {"density", {0, 1, [&](double v) { options.density = v; }}},
      {"speed", {0, 10, [&](double v) { options.speed = v; }}},
      {"near_miss", {0, 1, [&](double v) { options.near_miss = v; }}},
      {"width", {160, 3840, [&](double v) { options.width = static_cast<int>(v); }}},
      {"height", {120, 2160, [&](double v) { options.height = static_cast<int>(v); }}},
      {"noise", {0, 50, [&](double v) { options.noise = v; }}},
      {"exposure", {0, 0.5, [&](double v) { options.exposure = v; }}},
      {"shadows", {0, 4, [&](double v) { options.shadows = static_cast<int>(v); }}},
      {"parked", {0, 4, [&](double v) { options.parked = static_cast<int>(v); }}},
      {"inertia", {0, 1, [&](double v) { options.inertia = v >= 0.5; }}},
  };
  for (const auto& [key, text] : params) {
    const auto it = known.find(key);
    if (it == known.end()) {
      return make_error(ErrorCode::kInvalidArgument, "sim:// unknown parameter \"" + key + "\"");
    }
    auto value = parse_number(key, text, it->second.lo, it->second.hi);
    if (!value) return tl::unexpected(value.error());
    it->second.set(*value);
  }
  return options;
}

namespace {

constexpr double kPhysicsStep = 0.1;  // seconds per small step inside step()

// How hard road users speed up and brake, in px/s^2 at 360 rows (a car is
// about 70 px, 4.5 m, long: some 15 px/m). Nobody changes speed within one
// step: a car pulls away at about 2.3 m/s^2 and brakes at about 4 m/s^2, a
// reckless driver brakes late and hard at about 7 m/s^2, and a pedestrian
// reaches walking pace in about a second.
constexpr double kVehicleAcceleration = 35;
constexpr double kVehicleBraking = 60;
constexpr double kRecklessBraking = 110;
constexpr double kWalkingAcceleration = 30;
constexpr double kWalkingBraking = 45;
// How far ahead a pedestrian judges whether a vehicle could stop (s).
constexpr double kStepOutSeconds = 1.0;
constexpr double kNoLimit = std::numeric_limits<double>::infinity();

double vehicle_braking(const SimObject& v, double scale) {
  return (v.reckless ? kRecklessBraking : kVehicleBraking) * scale;
}

// How far short of a pedestrian a driver stops (px).
double pedestrian_stop_gap(const SimObject& v, double scale) {
  return (v.reckless ? 4 : 14) * scale;
}

// How long a driver allows before the brakes bite, for physics steps of
// `step` seconds. Careful drivers allow a whole step. Reckless ones allow
// only the half step that, without inertia, moving a step at the speed
// chosen before it costs (with none they would brake harder than they can).
// With inertia, half a step of either goes on the movement within the step
// (see safe_speed_from): the careful keep half a step in hand, the reckless
// none.
double reaction_seconds(const SimObject& v, double step) {
  return v.reckless ? step / 2 : step;
}

// The fastest speed from which one can still stop within `room` px, braking
// at `braking`, behind someone going `ahead_speed` who can brake as hard,
// when `reaction` seconds pass before the brakes bite (Gipps' safe speed).
double safe_speed(double room, double ahead_speed, double braking, double reaction) {
  const double lag = braking * reaction;
  return -lag +
         std::sqrt(lag * lag + ahead_speed * ahead_speed + 2 * braking * std::max(room, 0.0));
}

// The safe speed for a slice of `dt` seconds starting at `speed`, `room`
// px short of where one must stop. With inertia the slice is gone at the
// mean of the start speed and the one chosen (see travel()), so its first
// half is spent at the start speed, whatever is chosen, and the half it
// goes at the chosen one counts against the reaction time.
double safe_speed_from(double room, double speed, double ahead_speed, double braking,
                       double reaction, double dt, bool inertia) {
  if (!inertia) return safe_speed(room, ahead_speed, braking, reaction);
  return safe_speed(room - speed * dt / 2, ahead_speed, braking, std::max(0.0, reaction - dt / 2));
}

// The next step's speed: towards the cruising speed, never faster than is
// safe (braking harder than usual only when safety asks for it).
double next_speed(double speed, double cruise, double safe, double acceleration, double dt) {
  return std::max(0.0, std::min({speed + acceleration * dt, cruise, safe}));
}

// One slice of travel along an axis: from `from` in `direction` (+1 or -1),
// at most to `limit`, never backwards, at `speed` chosen for the slice
// (`start_speed` at its start).
struct Travel {
  double position;
  double speed;     // at the end of the slice
  double velocity;  // along the axis, at the end of the slice
};
Travel travel(double from, double direction, double start_speed, double speed, double limit,
              double dt, bool inertia) {
  if (!inertia) {
    // Speed changes at once, and the road user goes the slice at the new one.
    double to = from + direction * speed * dt;
    to = direction > 0 ? std::min(to, limit) : std::max(to, limit);
    if (direction * (to - from) < 0) to = from;
    return {to, std::abs(to - from) / dt, (to - from) / dt};
  }
  // Speed changes steadily over the slice, so the road user goes it at the
  // mean of the two speeds (as in Gipps' model), and its velocity is its
  // motion's at the slice's end. Going at the new speed for the whole slice
  // instead put the positions half a slice ahead of the velocities: a
  // tracker that read the frames right was a*dt/2 (up to 5 px/s under a hard
  // brake) off the "truth".
  double to = from + direction * (start_speed + speed) / 2 * dt;
  const bool stopped_short = direction * (to - limit) > 0;
  to = direction > 0 ? std::min(to, limit) : std::max(to, limit);
  if (direction * (to - from) < 0) to = from;
  // Stopped short at the limit (a surprise, or one who keeps pace a step
  // behind another): no faster than the slice's mean. (The end speed that
  // covers the distance from the start speed would be exact, but it
  // rings: behind someone at a steady pace it alternates between two
  // values every slice.)
  if (stopped_short) speed = std::min(speed, std::abs(to - from) / dt);
  return {to, speed, direction * speed};
}

}  // namespace

SimScene::SimScene(SimOptions options) : options_(options), random_(options.seed) {
  park_cars();
  // Start with a populated road rather than an empty one filling up: place
  // vehicles along each lane with room between them.
  std::uniform_real_distribution<double> unit(0, 1);
  for (int lane = 0; lane < kLanes; ++lane) {
    double x = unit(random_) * 60;
    while (x < options_.width - 80) {
      if (unit(random_) < options_.density) spawn_vehicle(lane, x);
      x += 110 + 120 * unit(random_);
    }
  }
}

double SimScene::lane_center(int lane) const {
  return road_top(options_.height) + lane_height(options_.height) * (lane + 0.5);
}

cv::Rect2d SimScene::lane_rect(int lane) const {
  return {0, road_top(options_.height) + lane_height(options_.height) * lane,
          static_cast<double>(options_.width), lane_height(options_.height)};
}

double SimScene::crosswalk_left() const {
  return options_.width * 0.5 - 25 * options_.height / 360.0;
}
double SimScene::crosswalk_right() const {
  return options_.width * 0.5 + 25 * options_.height / 360.0;
}

void SimScene::spawn_vehicle(int lane, double x) {
  std::uniform_real_distribution<double> unit(0, 1);
  const bool truck = unit(random_) < 0.2;
  const double scale = options_.height / 360.0;
  const double w = (truck ? 120 : 64 + 16 * unit(random_)) * scale;
  const double h = (truck ? 42 : 30 + 6 * unit(random_)) * scale;
  SimObject vehicle;
  vehicle.class_name = truck ? "truck" : "car";
  vehicle.lane = lane;
  // Lanes 0 and 1 flow right, lane 2 flows left.
  const double direction = lane < 2 ? 1 : -1;
  vehicle.desired_speed = direction * (50 + 60 * unit(random_)) * scale * options_.speed;
  vehicle.velocity = {vehicle.desired_speed, 0};
  vehicle.speed = std::abs(vehicle.desired_speed);
  vehicle.reckless = unit(random_) < options_.near_miss;
  if (options_.inertia) {
    // Comes in no faster than it can stop behind the nearest vehicle ahead,
    // and not at all too close behind it (it could only stop dead).
    for (const auto& o : objects_) {
      if (o.lane != lane || direction * (o.box.x - x) <= 0) continue;  // not ahead
      const double room =
          direction > 0 ? o.box.x - (x + w) - 0.5 * w : x - (o.box.x + o.box.width) - 0.5 * w;
      if (room < 0) return;
      vehicle.speed = std::min(
          vehicle.speed, safe_speed(room, o.speed, vehicle_braking(vehicle, scale), kPhysicsStep));
    }
    vehicle.velocity = {direction * vehicle.speed, 0};
  }
  vehicle.box = cv::Rect2d(x, lane_center(lane) - h / 2, w, h);
  vehicle.id = next_id_++;
  objects_.push_back(vehicle);
}

void SimScene::park_cars() {
  // On the lower verge, clear of the crosswalk and of the pedestrians' kerb.
  const double scale = options_.height / 360.0;
  const double y = options_.height * 5.0 / 6.0 + 8 * scale;
  double x = 30 * scale;
  for (int i = 0; i < options_.parked; ++i) {
    if (x + 70 * scale > crosswalk_left() - 20 * scale && x < crosswalk_right() + 20 * scale) {
      x = crosswalk_right() + 30 * scale;
    }
    SimObject car;
    car.id = next_id_++;
    car.class_name = "car";
    car.lane = -2;
    car.parked = true;
    car.box = cv::Rect2d(x, y, 68 * scale, 32 * scale);
    objects_.push_back(car);
    x += 100 * scale;
  }
}

void SimScene::spawn_pedestrian() {
  std::uniform_real_distribution<double> unit(0, 1);
  const double scale = options_.height / 360.0;
  const bool downward = unit(random_) < 0.5;
  // Each direction keeps to its half of the crosswalk, so people pass.
  const double x = options_.width * 0.5 + (downward ? -20 : 4) * scale + unit(random_) * 4 * scale;
  const double top = road_top(options_.height) - 40 * scale;
  const double bottom = options_.height - 20 * scale;
  const cv::Rect2d box(x, downward ? top : bottom, 12 * scale, 30 * scale);
  for (const auto& o : objects_) {
    if (o.class_name == "person" && std::abs(o.box.y - box.y) < 40 * scale &&
        std::abs(o.box.x - box.x) < 14 * scale) {
      return;  // someone is standing there already
    }
  }
  SimObject person;
  person.id = next_id_++;
  person.class_name = "person";
  person.box = box;
  person.desired_speed =
      (downward ? 1 : -1) * (25 + 15 * unit(random_)) * scale * std::max(options_.speed, 0.1);
  person.velocity = {0, person.desired_speed};
  // With inertia, one starts walking from a standstill.
  if (options_.inertia) {
    person.speed = 0;
    person.velocity = {0, 0};
  } else {
    person.speed = std::abs(person.desired_speed);
  }
  objects_.push_back(person);
}

bool SimScene::lane_is_busy(int lane, const cv::Rect2d& zone) const {
  const double scale = options_.height / 360.0;
  const double direction = lane < 2 ? 1 : -1;
  for (const auto& v : objects_) {
    if (v.lane != lane) continue;
    if ((v.box & zone).area() > 0) return true;
    const double room =
        direction > 0 ? zone.x - (v.box.x + v.box.width) : v.box.x - (zone.x + zone.width);
    // Past it; or it stops at once (no inertia) or stands (a walker may go
    // in front of a vehicle that waits).
    if (room < 0 || !options_.inertia || v.speed <= 0) continue;
    const double stop_gap = pedestrian_stop_gap(v, scale);
    const double reaction = reaction_seconds(v, kPhysicsStep);
    const double stopping =
        v.speed * v.speed / (2 * vehicle_braking(v, scale)) + v.speed * reaction;
    // A walker needs about a second to stop or to cross the edge: the
    // vehicle must be able to stop where it will be by then.
    if (room < stopping + stop_gap + 2 * scale + v.speed * kStepOutSeconds) return true;
  }
  return false;
}

void SimScene::move_pedestrians(double dt) {
  const double scale = options_.height / 360.0;
  const double braking = kWalkingBraking * scale;
  const cv::Rect2d crosswalk(crosswalk_left(), 0, crosswalk_right() - crosswalk_left(),
                             options_.height);
  for (auto& p : objects_) {
    if (p.class_name != "person") continue;
    const bool down = p.desired_speed > 0;
    const double direction = down ? 1 : -1;
    const double y_before = p.box.y;
    // The furthest the box may go (its y) and the speed from which the
    // walker can still stop there.
    double limit = down ? kNoLimit : -kNoLimit;
    double safe = std::abs(p.desired_speed);
    const auto keep_behind = [&](double bound, double ahead_speed) {
      limit = down ? std::min(limit, bound) : std::max(limit, bound);
      safe = std::min(safe, safe_speed_from(direction * (bound - y_before), p.speed, ahead_speed,
                                            braking, dt, dt, options_.inertia));
    };
    // Wait at the edge of the next lane while a vehicle is on the crosswalk
    // there or too close to stop for one who steps out.
    std::optional<int> next_lane;
    for (int lane = 0; lane < kLanes; ++lane) {
      const cv::Rect2d zone = lane_rect(lane) & crosswalk;
      if ((zone & p.box).area() > 0) continue;  // on it already
      const bool ahead = down ? zone.y >= p.box.y : zone.y + zone.height <= p.box.y + p.box.height;
      if (ahead && (!next_lane || (down == (lane < *next_lane)))) next_lane = lane;
    }
    if (next_lane) {
      const cv::Rect2d zone = lane_rect(*next_lane) & crosswalk;
      // With inertia, the walker minds its own path across the lane: a
      // vehicle stopped short of someone else on the crosswalk is no
      // obstacle (four such waits once froze a scene for good).
      const cv::Rect2d path =
          options_.inertia
              ? zone & cv::Rect2d(p.box.x - 2 * scale, 0, p.box.width + 4 * scale, options_.height)
              : zone;
      if (lane_is_busy(*next_lane, path)) {
        const double edge = down ? zone.y - p.box.height : zone.y + zone.height;
        // Without inertia one whose stride would enter the lane stays put.
        cv::Rect2d stride = p.box;
        stride.y += p.desired_speed * dt;
        const bool stride_crosses = (zone & stride).area() > 0;
        keep_behind(options_.inertia || !stride_crosses ? edge : y_before, 0);
      }
    }
    // Keep a step behind whoever walks ahead in the same direction, at
    // their pace: closing up and then walking on as they do.
    for (const auto& other : objects_) {
      if (&other == &p || other.class_name != "person" || (other.desired_speed > 0) != down) {
        continue;
      }
      const bool ahead = down ? other.box.y > p.box.y : other.box.y < p.box.y;
      const bool same_path =
          other.box.x < p.box.x + p.box.width && p.box.x < other.box.x + other.box.width;
      if (!ahead || !same_path) continue;
      const double gap = 6 * scale;
      keep_behind(down ? other.box.y - gap - p.box.height : other.box.y + other.box.height + gap,
                  other.speed);
    }
    const double speed = options_.inertia ? next_speed(p.speed, std::abs(p.desired_speed), safe,
                                                       kWalkingAcceleration * scale, dt)
                                          : std::abs(p.desired_speed);
    // A surprise closer than one can stop in is a sudden stop at the limit;
    // one who may not step forward waits.
    const Travel moved = travel(y_before, direction, p.speed, speed, limit, dt, options_.inertia);
    p.box.y = moved.position;
    p.speed = moved.speed;
    p.velocity = {0, moved.velocity};
  }
}

void SimScene::move_vehicles(double dt) {
  const double scale = options_.height / 360.0;
  for (int lane = 0; lane < kLanes; ++lane) {
    const double direction = lane < 2 ? 1 : -1;
    std::vector<SimObject*> queue;
    for (auto& v : objects_) {
      if (v.lane == lane) queue.push_back(&v);
    }
    // Leaders first: the vehicle furthest along the direction of travel.
    std::sort(queue.begin(), queue.end(), [&](const SimObject* a, const SimObject* b) {
      return direction * a->box.x > direction * b->box.x;
    });
    // Pedestrians in this lane's part of the crosswalk stop the traffic.
    const cv::Rect2d zone =
        lane_rect(lane) & cv::Rect2d(crosswalk_left() - 2 * scale, 0,
                                     crosswalk_right() - crosswalk_left() + 4 * scale,
                                     options_.height);
    std::optional<cv::Rect2d> pedestrian;
    for (const auto& p : objects_) {
      if (p.class_name == "person" && (p.box & zone).area() > 0) {
        pedestrian = pedestrian ? (*pedestrian | p.box) : p.box;
      }
    }
    const SimObject* ahead = nullptr;
    for (SimObject* v : queue) {
      const double x_before = v->box.x;
      const double braking = vehicle_braking(*v, scale);
      const double reaction = reaction_seconds(*v, dt);
      // The furthest the box may go (its x): behind the vehicle ahead, and
      // before a pedestrian it has not reached yet; and the speed from which
      // it can still stop there.
      double limit = direction * kNoLimit;
      double safe = std::abs(v->desired_speed);
      const auto keep_behind = [&](double bound, double ahead_speed) {
        limit = direction > 0 ? std::min(limit, bound) : std::max(limit, bound);
        safe = std::min(safe, safe_speed_from(direction * (bound - x_before), v->speed, ahead_speed,
                                              braking, reaction, dt, options_.inertia));
      };
      if (ahead) {
        const double gap = v->reckless ? 4 * scale : 0.5 * v->box.width;
        keep_behind(direction > 0 ? ahead->box.x - gap - v->box.width
                                  : ahead->box.x + ahead->box.width + gap,
                    ahead->speed);
      }
      if (pedestrian) {
        const double stop_gap = pedestrian_stop_gap(*v, scale);
        if (direction > 0 && v->box.x + v->box.width <= pedestrian->x) {
          keep_behind(pedestrian->x - stop_gap - v->box.width, 0);
        } else if (direction < 0 && v->box.x >= pedestrian->x + pedestrian->width) {
          keep_behind(pedestrian->x + pedestrian->width + stop_gap, 0);
        }
      }
      const double speed = options_.inertia ? next_speed(v->speed, std::abs(v->desired_speed), safe,
                                                         kVehicleAcceleration * scale, dt)
                                            : std::abs(v->desired_speed);
      // A surprise closer than it can stop in is an emergency stop at the
      // limit; a vehicle that may not move forward waits.
      const Travel moved =
          travel(x_before, direction, v->speed, speed, limit, dt, options_.inertia);
      v->box.x = moved.position;
      v->speed = moved.speed;
      v->velocity = {moved.velocity, 0};
      ahead = v;
    }
  }
}

void SimScene::advance(double dt) {
  move_pedestrians(dt);
  move_vehicles(dt);
  const double w = options_.width;
  const double h = options_.height;
  std::erase_if(objects_, [&](const SimObject& o) {
    return o.box.x > w + 1 || o.box.x + o.box.width < -1 || o.box.y > h + 1 ||
           o.box.y + o.box.height < -1;
  });
  std::uniform_real_distribution<double> unit(0, 1);
  const double scale = options_.height / 360.0;
  for (int lane = 0; lane < kLanes; ++lane) {
    // A newcomer enters when the entry is clear, at a rate set by the density.
    if (unit(random_) >= dt * 1.5 * options_.density) continue;
    const bool rightward = lane < 2;
    const double entry = rightward ? -140 * scale : w + 20 * scale;
    bool clear = true;
    for (const auto& v : objects_) {
      if (v.lane != lane) continue;
      const double distance = rightward ? v.box.x - entry : entry - (v.box.x + v.box.width);
      if (distance < 160 * scale) clear = false;
    }
    if (clear) spawn_vehicle(lane, rightward ? -100 * scale : w + 5 * scale);
  }
  int pedestrians = 0;
  for (const auto& o : objects_) pedestrians += o.class_name == "person";
  if (pedestrians < 1 + options_.density * 2 && unit(random_) < dt * 0.25) spawn_pedestrian();
}

void SimScene::track_near_misses(double now) {
  const double scale = options_.height / 360.0;
  const double limit = kNearMissGap * scale;
  // Events open until this step; whichever is still close stays open.
  std::vector<bool> still_close(near_misses_.size(), false);
  for (const auto& v : objects_) {
    if (!v.reckless) continue;
    for (const auto& o : objects_) {
      if (&o == &v) continue;
      const bool pedestrian = o.class_name == "person";
      // Tailgating is about the vehicles of one lane; the next lane is a
      // lane's width away and never this close anyway.
      if (!pedestrian && o.lane != v.lane) continue;
      const double dx =
          std::max({0.0, o.box.x - (v.box.x + v.box.width), v.box.x - (o.box.x + o.box.width)});
      const double dy =
          std::max({0.0, o.box.y - (v.box.y + v.box.height), v.box.y - (o.box.y + o.box.height)});
      const double gap = std::hypot(dx, dy);
      if (gap > limit) continue;
      // Two reckless drivers nose to tail are one near miss, not two.
      if (!pedestrian && o.reckless && o.id < v.id) continue;
      bool found = false;
      for (size_t i = 0; i < near_misses_.size(); ++i) {
        auto& event = near_misses_[i];
        if (!event.ongoing || event.vehicle_id != v.id || event.other_id != o.id) continue;
        event.end_seconds = now;
        event.min_gap = std::min(event.min_gap, gap);
        still_close[i] = true;
        found = true;
      }
      if (!found) {
        near_misses_.push_back({v.id, o.id, pedestrian, now, now, true, gap});
        still_close.push_back(true);
      }
    }
  }
  for (size_t i = 0; i < near_misses_.size(); ++i) {
    if (!still_close[i]) near_misses_[i].ongoing = false;
  }
  while (near_misses_.size() > kMaxNearMisses) near_misses_.pop_front();
}

void SimScene::step(double dt) {
  // Small steps, so following and yielding work even between far-apart frames.
  while (dt > 1e-9) {
    const double slice = std::min(dt, kPhysicsStep);
    advance(slice);
    time_ += slice;
    track_near_misses(time_);
    dt -= slice;
  }
}

}  // namespace tmon::detect
