#include "detect/sim_scene.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
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
  vehicle.id = next_id_++;
  vehicle.class_name = truck ? "truck" : "car";
  vehicle.lane = lane;
  // Lanes 0 and 1 flow right, lane 2 flows left.
  const double direction = lane < 2 ? 1 : -1;
  vehicle.desired_speed = direction * (50 + 60 * unit(random_)) * scale * options_.speed;
  vehicle.velocity = {vehicle.desired_speed, 0};
  vehicle.reckless = unit(random_) < options_.near_miss;
  vehicle.box = cv::Rect2d(x, lane_center(lane) - h / 2, w, h);
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
  objects_.push_back(person);
}

void SimScene::move_pedestrians(double dt) {
  const double scale = options_.height / 360.0;
  const cv::Rect2d crosswalk(crosswalk_left(), 0, crosswalk_right() - crosswalk_left(),
                             options_.height);
  for (auto& p : objects_) {
    if (p.class_name != "person") continue;
    cv::Rect2d next = p.box;
    next.y += p.desired_speed * dt;
    bool blocked = false;
    // Wait at the edge of a lane while a vehicle is on the crosswalk there.
    for (int lane = 0; lane < kLanes && !blocked; ++lane) {
      const cv::Rect2d zone = lane_rect(lane) & crosswalk;
      if ((zone & next).area() <= 0 || (zone & p.box).area() > 0) continue;  // not entering it
      for (const auto& v : objects_) {
        if (v.lane == lane && (v.box & zone).area() > 0) blocked = true;
      }
    }
    // Keep a step behind whoever walks ahead in the same direction, at
    // their pace: closing up and then walking on as they do, not stopping
    // and starting again at every small step.
    const bool down = p.desired_speed > 0;
    for (const auto& other : objects_) {
      if (&other == &p || other.class_name != "person" || (other.desired_speed > 0) != down) {
        continue;
      }
      const bool ahead = down ? other.box.y > p.box.y : other.box.y < p.box.y;
      const bool same_path =
          other.box.x < next.x + next.width && next.x < other.box.x + other.box.width;
      if (!ahead || !same_path) continue;
      const double gap = 6 * scale;
      next.y = down ? std::min(next.y, other.box.y - gap - p.box.height)
                    : std::max(next.y, other.box.y + other.box.height + gap);
    }
    // Never walk backwards: one who may not step forward waits.
    if ((next.y - p.box.y) * (down ? 1 : -1) < 0) next.y = p.box.y;
    const double y_before = p.box.y;
    if (!blocked) p.box = next;
    p.velocity = {0, (p.box.y - y_before) / dt};
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
      double x = v->box.x + v->desired_speed * dt;
      const double gap = v->reckless ? 4 * scale : 0.5 * v->box.width;
      // Where the front may go at most: behind the vehicle ahead, and before
      // a pedestrian it has not reached yet.
      if (ahead) {
        x = direction > 0 ? std::min(x, ahead->box.x - gap - v->box.width)
                          : std::max(x, ahead->box.x + ahead->box.width + gap);
      }
      if (pedestrian) {
        const double stop_gap = v->reckless ? 4 * scale : 14 * scale;
        if (direction > 0 && v->box.x + v->box.width <= pedestrian->x) {
          x = std::min(x, pedestrian->x - stop_gap - v->box.width);
        } else if (direction < 0 && v->box.x >= pedestrian->x + pedestrian->width) {
          x = std::max(x, pedestrian->x + pedestrian->width + stop_gap);
        }
      }
      // Never reverse: a vehicle that may not move forward waits.
      if (direction * (x - x_before) < 0) x = x_before;
      v->box.x = x;
      v->velocity = {(x - x_before) / dt, 0};
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
