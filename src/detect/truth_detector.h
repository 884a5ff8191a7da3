#pragma once

#include "detect/detector.h"
#include "detect/sim_scene.h"

namespace tmon::detect {

// Which of a sim:// scene's road users a truth detector reports.
struct TruthDetectorOptions {
  // Of its box, at least this share must be in the picture (0: any of it).
  double min_visible_share = 0;
  bool parked = true;  // report cars parked from the start too
  double confidence = 0.9;
  const char* name = "truth";
};

// Reports what the scene holds, in frame pixels, as a detector would: each
// chosen road user's visible part of its box, with its class. It ignores
// the frame and reads the scene when detect() is called, so the scene must
// outlive it and be rendered and detected in step.
DetectorPtr truth_detector(const SimScene& scene, TruthDetectorOptions options = {});

}  // namespace tmon::detect
