#pragma once

#include <deque>
#include <opencv2/core.hpp>
#include <optional>
#include <vector>

#include "detect/detector.h"
#include "detect/grouping.h"
#include "detect/track_filter.h"

namespace tmon::detect {

struct TrackerOptions {
  // A track unmatched for longer than this ends. In time, not frames: when
  // tracking slows down (the CPU cannot keep up), a lost track must not
  // coast for longer and take over a stranger.
  double max_age_seconds = 1.0;
  int min_hits = 1;  // matches before a track's objects are reported
  double gate = 4;   // largest prediction error, in standard deviations
  double appearance_weight = 0.6;
  double max_cost = 2.5;  // a pairing worse than this is no pairing: start a new track
  // Motion detectors only: a track is reported once it has moved this many
  // object sizes from where it appeared. Blobs that flicker in place (a
  // swaying shadow, leaves, a reflection) never do; road users do within a
  // few frames, and stay reported when they stop later. 0: off.
  double min_travel = 0;
  // Only tracks that went this many sizes from where they appeared, moving
  // as their prediction said for the last few frames, are vouched for to
  // the detector (TrackFeedback): a flickering blob may wander a little and
  // a ghost's fragments jump about, and either may be reported for a while,
  // but neither goes far smoothly, so its region is still learnt as flicker,
  // absorbed when it stands still, and judged as light or shade.
  double vouch_travel = 1;
  int vouch_smooth_hits = 3;
  // Travel is measured in sizes of at least this share of the frame height:
  // a sliver (a fragment of a ghost, a stripe of the crosswalk) jumping a
  // few pixels has not travelled many of its own sizes.
  double min_size_ratio = 0.05;
  double history_seconds = 6;  // path kept per track (for PET)
};

// One point of a track's path: its filtered box at a time.
struct TrackPoint {
  double time_seconds = 0;
  cv::Rect2d box;
};

// What the tracker knows about one road user (read-only view).
struct TrackView {
  int id = 0;
  std::string class_name;
  cv::Rect2d box;                                // filtered
  cv::Point2d velocity;                          // px/s, filtered
  bool reported = false;                         // confirmed (and, with min_travel, seen moving)
  bool matched = false;                          // detected in the latest frame
  const std::deque<TrackPoint>* path = nullptr;  // oldest first, bounded by history_seconds
};

// Gives every road user a stable objectId across frames, with a smoothed
// position and velocity.
//
// Each track runs a constant-velocity Kalman filter (TrackFilter). A frame's
// detections are matched to the tracks' predictions by a minimum-cost
// assignment over the prediction error (in units of its uncertainty, so a new
// track's unknown velocity allows a wide search and a steady one a narrow
// one), appearance (a hue/saturation histogram, to tell neighbours apart)
// and size. Before matching, a detection that covers the predictions of two
// or more tracks (close vehicles of one lane merged into one blob) is split
// along them. Unmatched detections start tracks; tracks unmatched for more
// than max_age_seconds end.
class Tracker {
 public:
  explicit Tracker(TrackerOptions options = {});

  // Sets object_id and velocity (px/s) on this frame's detections (boxes
  // become the filtered ones); drops those whose track is not reported yet.
  std::vector<Detection> update(std::vector<Detection> detections, const cv::Mat& frame,
                                double time_seconds);
  size_t live_tracks() const { return tracks_.size(); }
  // Every live track, reported or not.
  std::vector<TrackView> tracks() const;
  // Where the reported tracks should be at `time_seconds`, each box grown by
  // `margin` of its size per side, in the detector's TrackFeedback; tracks
  // still coming in at the frame's border count as reported there (their
  // motion is expected, not flicker).
  TrackFeedback feedback(double time_seconds, double margin) const;
  // Detections split because they covered several tracks, in all.
  int64_t splits() const { return splits_; }
  // Road users whose filter restarted at their whole box when they came
  // wholly into the picture (see clean_entry), in all.
  int64_t clean_entries() const { return clean_entries_; }
  // Tracks cut by the border whose filter restarted because another road
  // user took them over there (see same_place_across), in all.
  int64_t takeovers() const { return takeovers_; }

 private:
  struct Track {
    Track(int track_id, const cv::Rect2d& box, double time_seconds)
        : id(track_id), filter(box, time_seconds) {}
    int id = 0;
    TrackFilter filter;
    std::string class_name;
    cv::Mat histogram;
    cv::Point2d origin;        // centre where it was first seen
    cv::Rect2d origin_box;     // its box then
    cv::Rect2d last_measured;  // the latest matched detection's box
    double last_measured_time = 0;
    // While cut by the border: the inner edge's velocity (px/s, smoothed),
    // the only honest measure of an object coming in or going out.
    std::optional<cv::Point2d> edge_velocity;
    bool touched_flicker = false;  // the latest matched detection did
    // While cut by the border: its first cut box (what came in first).
    std::optional<cv::Rect2d> entry_first;
    int hits = 0;
    int misses = 0;
    double last_matched = 0;
    double travel = 0;     // furthest from the origin so far, in sizes
    int smooth_hits = 0;   // matches in a row that the prediction foresaw well
    bool vouched = false;  // travelled vouch_travel smoothly; stays so
    bool matched = false;
    std::deque<TrackPoint> path;
  };

  bool reported(const Track& track) const;
  void follow_inner_edge(Track& track, const cv::Rect2d& measured, double time_seconds,
                         const cv::Size& frame) const;
  double cost(const Track& track, const TrackFilter::Prediction& prediction,
              const Detection& detection, const cv::Mat& histogram, const cv::Size& frame) const;
  std::vector<Detection> split_merged(std::vector<Detection> detections,
                                      const std::vector<TrackFilter::Prediction>& predictions);

  TrackerOptions options_;
  std::vector<Track> tracks_;
  int next_id_ = 1;
  cv::Size frame_size_;
  int64_t splits_ = 0;
  int64_t clean_entries_ = 0;
  int64_t takeovers_ = 0;
};

// A normalised hue/saturation histogram of a region: a cheap appearance cue.
cv::Mat appearance_histogram(const cv::Mat& frame, const cv::Rect2d& box);

}  // namespace tmon::detect
