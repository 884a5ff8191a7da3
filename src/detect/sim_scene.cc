#include "detect/sim_scene.h"

#include <charconv>
#include <functional>
#include <map>
#include <opencv2/imgproc.hpp>

namespace tmon::detect {
namespace {

constexpr int kLanes = 3;

// Road geometry as fractions of the frame height: the road spans 1/3..5/6.
double road_top(int height) {
  return height / 3.0;
}
double lane_height(int height) {
  return height / 2.0 / kLanes;
}

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

SimScene::SimScene(SimOptions options) : options_(options), random_(options.seed) {
  // Start with a populated road rather than an empty one filling up.
  for (int lane = 0; lane < kLanes; ++lane) {
    const int count = static_cast<int>(options_.density * 3 + 0.5);
    for (int i = 0; i < count; ++i) {
      spawn_vehicle(lane);
      auto& vehicle = objects_.back();
      vehicle.box.x =
          std::uniform_real_distribution<double>(0, options_.width - vehicle.box.width)(random_);
    }
  }
}

double SimScene::lane_center(int lane) const {
  return road_top(options_.height) + lane_height(options_.height) * (lane + 0.5);
}

void SimScene::spawn_vehicle(int lane) {
  std::uniform_real_distribution<double> unit(0, 1);
  const bool truck = unit(random_) < 0.2;
  const double scale = options_.height / 360.0;
  const double w = (truck ? 120 : 64 + 16 * unit(random_)) * scale;
  const double h = (truck ? 42 : 30 + 6 * unit(random_)) * scale;
  // Lanes 0 and 1 flow right, lane 2 flows left.
  const bool rightward = lane < 2;
  const double speed = (50 + 60 * unit(random_)) * scale * options_.speed;
  SimObject vehicle;
  vehicle.id = next_id_++;
  vehicle.class_name = truck ? "truck" : "car";
  vehicle.box = cv::Rect2d(rightward ? -w : options_.width, lane_center(lane) - h / 2, w, h);
  vehicle.velocity = cv::Point2d(rightward ? speed : -speed, 0);
  objects_.push_back(vehicle);
}

void SimScene::spawn_pedestrian() {
  std::uniform_real_distribution<double> unit(0, 1);
  const double scale = options_.height / 360.0;
  const bool downward = unit(random_) < 0.5;
  SimObject person;
  person.id = next_id_++;
  person.class_name = "person";
  const double crosswalk_x = options_.width * 0.5 + (unit(random_) - 0.5) * 30 * scale;
  const double top = road_top(options_.height) - 40 * scale;
  const double bottom = options_.height - 20 * scale;
  person.box = cv::Rect2d(crosswalk_x, downward ? top : bottom, 12 * scale, 30 * scale);
  person.velocity = cv::Point2d(
      0, (downward ? 1 : -1) * (25 + 15 * unit(random_)) * scale * std::max(options_.speed, 0.1));
  objects_.push_back(person);
}

void SimScene::step(double dt) {
  time_ += dt;
  for (auto& object : objects_) {
    object.box.x += object.velocity.x * dt;
    object.box.y += object.velocity.y * dt;
  }
  const double w = options_.width;
  const double h = options_.height;
  std::erase_if(objects_, [&](const SimObject& o) {
    return o.box.x > w + 1 || o.box.x + o.box.width < -1 || o.box.y > h + 1 ||
           o.box.y + o.box.height < -1;
  });
  std::uniform_real_distribution<double> unit(0, 1);
  for (int lane = 0; lane < kLanes; ++lane) {
    int in_lane = 0;
    for (const auto& o : objects_) {
      if (o.class_name != "person" &&
          std::abs(o.box.y + o.box.height / 2 - lane_center(lane)) < 1) {
        ++in_lane;
      }
    }
    const double target = options_.density * 3;
    if (in_lane < target && unit(random_) < dt * 0.8) spawn_vehicle(lane);
  }
  int pedestrians = 0;
  for (const auto& o : objects_) pedestrians += o.class_name == "person";
  if (pedestrians < 1 + options_.density * 3 && unit(random_) < dt * 0.3) spawn_pedestrian();
  // A near miss: a vehicle closes in on the one ahead, or a pedestrian
  // appears right next to a passing vehicle.
  if (unit(random_) < options_.near_miss * dt) {
    for (size_t i = 0; i < objects_.size(); ++i) {
      auto& follower = objects_[i];
      if (follower.class_name == "person" || follower.box.x < 0 || follower.box.x > w * 0.6)
        continue;
      spawn_pedestrian();
      auto& person = objects_.back();
      person.box.x = follower.box.x + follower.box.width + 4;
      person.box.y = follower.box.y - person.box.height / 3;
      break;
    }
  }
}

cv::Mat SimScene::render() const {
  const int w = options_.width;
  const int h = options_.height;
  cv::Mat frame(h, w, CV_8UC3, cv::Scalar(70, 110, 80));  // verge
  const double top = road_top(h);
  const double lane_h = lane_height(h);
  cv::rectangle(frame, cv::Rect(0, static_cast<int>(top), w, static_cast<int>(lane_h * kLanes)),
                cv::Scalar(60, 60, 60), cv::FILLED);
  for (int lane = 1; lane < kLanes; ++lane) {
    const int y = static_cast<int>(top + lane_h * lane);
    for (int x = 0; x < w; x += 40) {
      cv::line(frame, {x, y}, {x + 20, y}, cv::Scalar(230, 230, 230), 2);
    }
  }
  const int cross_x = static_cast<int>(w * 0.5 - 25);
  for (int y = static_cast<int>(top); y < top + lane_h * kLanes; y += 12) {
    cv::rectangle(frame, cv::Rect(cross_x, y, 50, 6), cv::Scalar(200, 200, 200), cv::FILLED);
  }
  for (const auto& o : objects_) {
    const cv::Rect box(o.box);
    if (o.class_name == "person") {
      cv::rectangle(frame, box, cv::Scalar(40, 40, 200), cv::FILLED);
      cv::circle(frame, {box.x + box.width / 2, box.y}, box.width / 2 + 1,
                 cv::Scalar(150, 180, 230), cv::FILLED);
    } else {
      const cv::Scalar color = o.class_name == "truck" ? cv::Scalar(40, 140, 220)
                                                       : cv::Scalar(180 - (o.id * 37) % 120,
                                                                    60 + (o.id * 53) % 150, 200);
      cv::rectangle(frame, box, color, cv::FILLED);
      cv::rectangle(frame, box, cv::Scalar(20, 20, 20), 1);
      const cv::Rect windshield(box.x + box.width / 4, box.y + 4, box.width / 2, box.height - 8);
      cv::rectangle(frame, windshield, cv::Scalar(90, 70, 50), cv::FILLED);
    }
  }
  return frame;
}

}  // namespace tmon::detect
