#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "detect/grouping.h"

namespace tmon::detect {

struct TrackerOptions {
  int max_age = 2;            // frames a track survives without a match
  int min_hits = 1;           // matches before a track's objects are reported
  double gate = 3;            // largest prediction error, in units of its uncertainty
  double new_track_gate = 5;  // largest jump of a track seen once, in object sizes
  double appearance_weight = 0.6;
  double max_cost = 2.5;  // a pairing worse than this is no pairing: start a new track
};

// Gives every road user a stable objectId across frames.
//
// Frames are sampled seconds apart, so a car moves more than its own length
// between them and boxes rarely overlap: association uses the position
// predicted from each track's velocity, gated by distance in object sizes,
// plus appearance (a hue/saturation histogram) to tell neighbours apart,
// and a penalty when the size changes a lot. Pairs are matched greedily,
// cheapest first. Unmatched detections start tracks; tracks unmatched for
// more than max_age frames end.
class Tracker {
 public:
  explicit Tracker(TrackerOptions options = {});

  // Sets object_id and velocity (px/s) on this frame's detections; drops the
  // ones whose track is not confirmed yet (fewer than min_hits matches).
  std::vector<Detection> update(std::vector<Detection> detections, const cv::Mat& frame,
                                double time_seconds);
  size_t live_tracks() const { return tracks_.size(); }

 private:
  struct Track {
    int id = 0;
    cv::Rect2d box;
    std::string class_name;
    cv::Point2d velocity;
    bool has_velocity = false;
    cv::Mat histogram;
    int hits = 0;
    int misses = 0;
    double last_seen = 0;
  };

  double cost(const Track& track, const Detection& detection, const cv::Mat& histogram,
              double time_seconds) const;

  TrackerOptions options_;
  std::vector<Track> tracks_;
  int next_id_ = 1;
};

// A normalised hue/saturation histogram of a region: a cheap appearance cue.
cv::Mat appearance_histogram(const cv::Mat& frame, const cv::Rect2d& box);

}  // namespace tmon::detect
