#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "detect/sim_scene.h"
#include "generate/task_generator.h"

namespace tmon::generate {

// One sim:// camera through detection (FrameAnalyzer) and task generation in
// simulated time, with the scene's near misses checked against the tasks.
// Used by the near-miss test and by `tmon bench generate`.
struct SimRunOptions {
  std::string camera_id = "sim-cam";
  detect::SimOptions scene;
  double interval_seconds = 1.8;  // between analysed frames (scene time)
  int frames = 300;
  config::DetectionConfig detection;     // detector settings; the detector is always `motion`
  int64_t start_ms = 1'700'000'000'000;  // captureTs of scene time 0
  // Called with each analysed frame's outcome (the benchmark sizes its calls).
  std::function<void(const FrameOutcome&)> on_frame;
};

// A near miss, in the terms of the pipeline. Every near miss the scene
// recorded is exactly one of:
// - between_frames: no analysed frame fell within it (the camera never showed it);
// - not_seen: shown, but in no frame were both road users detected (each
//   matched to its own detection at IoU >= 0.3) and members of one eligible
//   group (enough members, with a crop): the detector merged them, missed
//   one, or the motion background was still forming;
// - caught: the group holding both got a task in a frame within it, or in the
//   analysed frame just before it (at most one analysis interval earlier:
//   the assessment saw the two closing in); caught_before counts the latter;
// - missed: seen as a group, yet no such task. The guarantee is that this
//   stays empty.
struct NearMissAudit {
  int recorded = 0;
  int between_frames = 0;
  int not_seen = 0;
  int caught = 0;
  int caught_before = 0;            // of caught: only by the frame before it began
  std::vector<std::string> missed;  // "camera vehicle=7 other=9 t=12.3-14.1s ..."

  int rendered() const { return recorded - between_frames; }
  int seen_as_group() const { return caught + static_cast<int>(missed.size()); }
  NearMissAudit& operator+=(const NearMissAudit& other);
};

struct SimRunReport {
  int frames = 0;
  int groups = 0;  // eligible groups: the one-call-per-group-per-frame baseline
  int tasks = 0;
  int deduplicated = 0;
  int untriggered = 0;
  int no_potential = 0;
  int deferred = 0;           // group-frames whose news waited for a later call
  int frames_with_tasks = 0;  // LLM calls with frame-level batching: one per such frame
  int frames_deferrable_only = 0;  // of those, frames whose tasks all had deferrable reasons
  std::map<std::string, int> tasks_by_trigger;  // highest-priority trigger fired
  std::map<std::string, int> tasks_by_verdict;  // first, gap_shrank, ...
  // Tasks of an urgent reason (first sight, new close pair, escalation)
  // whose group held no pair of a near miss under way then or beginning
  // within the next interval: the calls a perfect rule would not make.
  std::map<std::string, int> urgent_without_near_miss;
  // Urgent tasks whose group's near misses an earlier task had already shown.
  std::map<std::string, int> urgent_repeats;
  // One line per such task, when the audit is asked to explain them.
  std::vector<std::string> unexplained;
  NearMissAudit near_misses;
  double detect_seconds = 0;    // wall time in detection (CPU cost, not simulated time)
  double generate_seconds = 0;  // wall time in the generator

  SimRunReport& operator+=(const SimRunReport& other);
};

// What detection made of one analysed frame, with the scene's truth the
// near-miss audit needs. Detection does not depend on the generator, so a
// camera observed once can be audited under several task policies.
struct ObservedFrame {
  double t = 0;  // scene seconds
  messages::DetectionResult frame;
  std::map<int, int> scene_id_of;  // objectId -> scene id (matched at IoU >= 0.3)
  // A near miss under way at t, with the detections its two road users
  // matched (-1: none).
  struct Event {
    int vehicle_id = 0;
    int other_id = 0;
    double start_seconds = 0;
    int object_a = -1;
    int object_b = -1;
  };
  std::vector<Event> under_way;
};

struct ObservedCamera {
  std::string camera_id;
  double interval_seconds = 1.8;
  std::vector<ObservedFrame> frames;
  std::vector<detect::SimNearMiss> near_misses;  // all the scene recorded
  double detect_seconds = 0;                     // wall time in detection
};

// Renders and detects options.frames frames of one sim:// camera.
ObservedCamera observe_sim_camera(const SimRunOptions& options);
// Runs the observed frames through `generator` (which keeps its per-camera
// state, so several cameras may share one) and audits the near misses.
// With explain, lists each urgent task without a near miss (SimRunReport::unexplained).
SimRunReport audit_sim_camera(const ObservedCamera& camera, TaskGenerator& generator,
                              const std::function<void(const FrameOutcome&)>& on_frame = {},
                              bool explain = false);
// observe_sim_camera, then audit_sim_camera with options.on_frame.
SimRunReport run_sim_camera(const SimRunOptions& options, TaskGenerator& generator);

// An observed camera as JSON and back (`tmon bench generate --observed-dir`:
// detection once, then the generator alone, for trying task policies).
std::string encode_observed(const ObservedCamera& camera);
Result<ObservedCamera> decode_observed(std::string_view json);

}  // namespace tmon::generate
