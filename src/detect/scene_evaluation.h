#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "detect/detector.h"
#include "detect/evaluation.h"
#include "detect/frame_analyzer.h"
#include "detect/sim_scene.h"

namespace tmon::detect {

// How a detector and the tracker did on a sim:// scene, against its ground
// truth. Objects less than half in the picture, and cars parked from the
// start (nothing moves there for a motion detector to see), are "don't care".
struct SceneScore {
  MatchCounts detection;   // at the given IoU, over all scored frames
  int class_matches = 0;   // matched detections whose class was right
  int track_frames = 0;    // (object, frame) pairs where the object was detected
  int id_switches = 0;     // times an object's track id changed from its last one
  int objects_seen = 0;    // true objects detected at least once
  int ids_of_objects = 0;  // distinct track ids those objects got, summed
  int scored_frames = 0;
  double count_error = 0;  // sum over frames of |vehicles reported - vehicles there|
  // TTC of approaching pairs (the scene's constant-velocity TTC within a few
  // seconds, both wholly in view), estimated from the tracks: relative
  // errors, and pairs whose tracks had no TTC. In line: one following the
  // other or heading straight at it (rear-end, head-on, a stopped one);
  // crossing: paths at an angle, where a few percent of speed decide
  // whether the boxes meet at all, so the estimate is often none.
  struct TtcScore {
    std::vector<double> errors;
    int missing = 0;
    double within(double tolerance) const;  // share of pairs (missing: outside)
    // Share of the pairs that had an estimate (missing left out): how good
    // an estimate is when there is one, beside within()'s how often there is
    // a good one.
    double within_estimated(double tolerance) const;
    double median_error() const;
    size_t pairs() const { return errors.size() + static_cast<size_t>(missing); }
    TtcScore& operator+=(const TtcScore& other);
  };
  TtcScore ttc_in_line;
  TtcScore ttc_crossing;
  // In-line pairs whose speeds had held for the last half second: the
  // scene's drivers brake and start in an instant, and right after, no
  // filter can know the new speed yet.
  TtcScore ttc_steady;
  // What the frame rate itself allows, over every approaching pair (matched
  // or not, so with a real detector not quite the tracker's set of pairs):
  // the TTC from the true boxes and, for velocities, the parabola through
  // each road user's true centres at the last three frame times (plus
  // evaluate_on_sim's reference noise; no rendered frame is looked at).
  // Exact while accelerations hold for three frames.
  TtcScore ttc_reference_in_line;
  TtcScore ttc_reference_crossing;
  double detect_ms = 0;  // mean detector time per frame
  double track_ms = 0;   // mean detect + track time per frame

  double class_accuracy() const;
  double switches_per_100() const;
  double ids_per_object() const;
  double mean_count_error() const;
};

// Makes the detector for a scene (a real detector ignores the scene;
// perfect_detector reads it).
using MakeDetector = std::function<DetectorPtr(const SimScene&)>;

// The scene's own boxes as a detector: every moving road user at least a
// third in the picture, exactly where it is (its visible part, as a camera
// sees one coming in at the border), with its class; parked cars left out,
// as no motion detector sees them. What the tracker makes of flawless
// detection (`tmon bench track --perfect-detection`): an error left with it
// is the tracker's, not the detector's. It ignores the frame and reads the
// scene when detect() is called, so the scene must outlive it and be
// rendered and detected in step (as evaluate_on_sim does).
DetectorPtr perfect_detector(const SimScene& scene);

// One scored TTC pair as the scene and the tracks saw it: what `tmon bench
// track --ttc-dump` writes, to find where an estimate's error comes from
// (the speeds, the gap, a road user just come in at the border).
struct TtcSample {
  double time_seconds = 0;  // scene time
  bool in_line = false;
  bool steady = false;
  int truth_a = 0, truth_b = 0;  // scene ids
  int track_a = 0, track_b = 0;  // object ids
  cv::Rect2d true_box_a, true_box_b, seen_box_a, seen_box_b;
  cv::Point2d true_velocity_a, true_velocity_b, seen_velocity_a, seen_velocity_b;
  double true_ttc = 0;
  std::optional<double> estimate;
  // Seconds since each became wholly visible, and since its speed last changed.
  double in_view_a = 0, in_view_b = 0;
  double since_change_a = 0, since_change_b = 0;
};
using TtcObserver = std::function<void(const TtcSample&)>;

// Steps the scene `frames` times by `interval_seconds`, runs detection and
// tracking on every rendered frame (as a camera tracking at 1/interval fps
// does), and scores frames after `warmup`. `reference_noise`: px of
// Gaussian noise per axis on the reference's centres (an outline's error).
SceneScore evaluate_on_sim(const SimOptions& scene, const MakeDetector& make_detector,
                           double interval_seconds, int frames, int warmup, double min_iou = 0.3,
                           AnalyzerOptions analysis = {}, const TtcObserver& observe_ttc = {},
                           double reference_noise = 0);

SceneScore& operator+=(SceneScore& total, const SceneScore& part);

}  // namespace tmon::detect
