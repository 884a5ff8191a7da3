#pragma once

#include <functional>

#include "detect/detector.h"
#include "detect/evaluation.h"
#include "detect/sim_scene.h"
#include "detect/tracker.h"

namespace tmon::detect {

// How a detector and the tracker did on a sim:// scene, against its ground
// truth. Objects less than half in the picture are "don't care".
struct SceneScore {
  MatchCounts detection;  // at the given IoU, over all scored frames
  int class_matches = 0;  // matched detections whose class was right
  int track_frames = 0;   // (object, frame) pairs where the object was detected
  int id_switches = 0;    // times an object's track id changed from its last one
  double detect_ms = 0;   // mean detector time per frame

  double class_accuracy() const;
  double switches_per_100() const;
};

using MakeDetector = std::function<DetectorPtr()>;

// Steps the scene `frames` times by `interval_seconds`, runs detector and
// tracker on every rendered frame, and scores frames after `warmup`.
SceneScore evaluate_on_sim(const SimOptions& scene, const MakeDetector& make_detector,
                           double interval_seconds, int frames, int warmup, double min_iou = 0.3,
                           TrackerOptions tracking = {});

SceneScore& operator+=(SceneScore& total, const SceneScore& part);

}  // namespace tmon::detect
