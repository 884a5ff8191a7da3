#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tmon::detect {

// Surrogate safety measures: how close two road users came to colliding,
// measured from their tracks, as traffic-safety research does (a conflict is
// usually TTC <= 1.5 s or PET <= 4 s). Units are those of the positions
// given: image pixels, or metres on the ground plane; times are seconds
// either way.

// Where a road user was: its box at a time (seconds).
struct TimedBox {
  double time = 0;
  cv::Rect2d box;
};

struct RoadUser {
  int id = 0;
  bool person = false;
  cv::Rect2d box;              // now
  cv::Point2d velocity;        // units per second, filtered
  std::vector<TimedBox> path;  // where it was, oldest first, ending at now
};

struct SafetyOptions {
  double horizon_seconds = 5;  // TTC is looked for this far ahead
  double ttc_seconds = 1.5;    // conflict: TTC at most this
  double pet_seconds = 4;      // conflict: PET at most this
  // PET is for paths that cross: headings at least this far apart (degrees).
  // Vehicles following one another in a lane share a path, and their PET
  // (the time headway) is what TTC and spacing already judge.
  double crossing_degrees = 30;
};

struct PairSafety {
  int a = 0;  // object ids
  int b = 0;
  std::optional<double> ttc;  // none: not on a collision course within the horizon
  std::optional<double> pet;  // none: their paths did not cross (recently)
  double distance = 0;        // gap between the boxes now
  double closing_speed = 0;   // how fast the centres approach (> 0) or part (< 0)
  bool conflict = false;      // ttc <= ttc_seconds or pet <= pet_seconds
};

// Time until two boxes moving at constant velocity first touch, within
// `horizon` seconds (0 when touching now and closing). None when they part,
// keep their distance, touch too late, or already overlap (in contact, or
// one hides the other in the picture).
std::optional<double> time_to_collision(const cv::Rect2d& a, const cv::Point2d& velocity_a,
                                        const cv::Rect2d& b, const cv::Point2d& velocity_b,
                                        double horizon);

// Post-encroachment time of two paths (boxes moving linearly between their
// points): the least time between one leaving a place and the other coming
// to it, over every place both occupied. 0 when they were there at the same
// time. None when their paths never met.
std::optional<double> post_encroachment_time(const std::vector<TimedBox>& a,
                                             const std::vector<TimedBox>& b);

// TTC and PET for every pair of `users` that has either within reach, in
// order of the users given.
std::vector<PairSafety> measure_pairs(const std::vector<RoadUser>& users,
                                      const SafetyOptions& options);

}  // namespace tmon::detect
