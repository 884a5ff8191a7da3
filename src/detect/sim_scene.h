#pragma once

#include <deque>
#include <opencv2/core.hpp>
#include <random>
#include <string>
#include <vector>

#include "common/result.h"

namespace tmon::detect {

// The sim road's geometry, as fractions of the frame height: three lanes,
// the road spanning 1/3..5/6 of the height.
namespace sim_geometry {
inline constexpr int kLanes = 3;
inline double road_top(int height) {
  return height / 3.0;
}
inline double lane_height(int height) {
  return height / 2.0 / kLanes;
}
}  // namespace sim_geometry

// Parameters of a synthetic scene, from a sim:// URL such as
// "sim://?seed=3&density=0.8&speed=1.2&near_miss=0.2&width=640&height=360".
//
// The last four render what real cameras add (all off by default):
// "noise=6&exposure=0.15&shadows=1&parked=2"; "inertia=1" bounds how fast
// road users change speed.
struct SimOptions {
  uint64_t seed = 1;
  double density = 0.6;    // 0..1: how full the lanes are
  double speed = 1.0;      // multiplies every road user's speed
  double near_miss = 0.1;  // 0..1: how often a car crowds a pedestrian or another car
  int width = 640;
  int height = 360;
  double noise = 0;     // sensor noise: sigma in grey levels, per pixel and channel
  double exposure = 0;  // auto-exposure drift: gain swings by +-this over ~40 s
  int shadows = 0;      // swaying tree shadows at the edge of the road
  int parked = 0;       // cars parked on the verge from the first frame on
  // Road users speed up and brake at bounded rates, as real ones do (and
  // pedestrians do not step out in front of a vehicle that could not stop).
  // Off: speed changes happen within one 0.1 s physics step.
  bool inertia = false;

  static Result<SimOptions> parse(const std::string& url);
};

// One road user as the scene knows it: its true identity, class and motion.
struct SimObject {
  int id = 0;
  std::string class_name;  // COCO: "car", "truck", "person"
  cv::Rect2d box;          // pixels
  cv::Point2d velocity;    // pixels per second, as moved in the last step
  double speed = 0;        // px/s along its way: changes at a bounded rate
  // Vehicles: the lane, the speed the driver wants, and whether this driver
  // tailgates and stops close to pedestrians (the scene's near misses).
  int lane = -1;
  double desired_speed = 0;
  bool reckless = false;
  bool parked = false;  // on the verge from the start, never moves
};

// A near miss as the scene knows it: a reckless driver within
// SimScene::kNearMissGap (times the frame scale) of a pedestrian or of
// another vehicle in its lane, from when the gap first fell below it until it
// opened again. Ground truth for tests and benchmarks; rendering is unchanged.
struct SimNearMiss {
  int vehicle_id = 0;        // the reckless driver
  int other_id = 0;          // whom it crowded
  bool pedestrian = false;   // other is a pedestrian (else a vehicle: tailgating)
  double start_seconds = 0;  // scene time (see SimScene::time_seconds())
  double end_seconds = 0;    // last scene time it was still that close
  bool ongoing = true;       // still that close after the latest step
  double min_gap = 0;        // closest the two came (px)
};

// A synthetic traffic scene: a three-lane road with cars and trucks, a
// crosswalk with pedestrians, and now and then a near miss. Deterministic for
// a seed. It renders frames for detectors and exposes the ground truth for
// tests and benchmarks.
//
// Road users behave well enough to be told apart: vehicles keep their lane
// and a safe gap to the one ahead, stop for pedestrians on the crosswalk, and
// pedestrians wait for a lane to clear. Reckless drivers (share `near_miss`)
// tailgate and stop a few pixels from pedestrians: the near misses a risk
// assessment should catch.
class SimScene {
 public:
  explicit SimScene(SimOptions options);

  // Advances the scene by dt seconds: moves everyone, retires those who left,
  // spawns newcomers to keep the configured density.
  void step(double dt_seconds);
  cv::Mat render() const;  // BGR, options.width x options.height
  const std::vector<SimObject>& objects() const { return objects_; }
  const SimOptions& options() const { return options_; }
  double time_seconds() const { return time_; }  // scene time: the sum of step()s

  // Near misses so far, oldest first, checked after every physics step. At
  // most kMaxNearMisses are kept (oldest dropped), so a camera simulated for
  // days stays bounded.
  const std::deque<SimNearMiss>& near_misses() const { return near_misses_; }
  static constexpr double kNearMissGap = 8;  // px at 360 rows; reckless drivers keep 4
  static constexpr size_t kMaxNearMisses = 1000;

 private:
  void spawn_vehicle(int lane, double x);
  void spawn_pedestrian();
  void advance(double dt);  // one small physics step
  void move_vehicles(double dt);
  void move_pedestrians(double dt);
  // Whether a vehicle of this lane is on `zone` (its part of the crosswalk,
  // or of one walker's path across it), or too close to stop for someone
  // who steps out there.
  bool lane_is_busy(int lane, const cv::Rect2d& zone) const;
  double lane_center(int lane) const;
  cv::Rect2d lane_rect(int lane) const;
  double crosswalk_left() const;
  double crosswalk_right() const;
  void track_near_misses(double now);
  void park_cars();
  const cv::Mat& road() const;  // the empty road, drawn on first use
  void render_shadows(cv::Mat& frame) const;
  void render_sensor(cv::Mat& frame) const;  // exposure drift and noise

  SimOptions options_;
  std::mt19937_64 random_;
  std::vector<SimObject> objects_;
  int next_id_ = 1;
  double time_ = 0;
  std::deque<SimNearMiss> near_misses_;
  mutable cv::Mat road_;
};

}  // namespace tmon::detect
