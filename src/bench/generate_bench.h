#pragma once

#include <string>

namespace tmon::bench {

// `tmon bench generate`: how many LLM calls task generation saves, and what
// it still catches.
//
// Runs `cameras` sim:// cameras (seeds 1..N) for `frames` frames each,
// `interval` seconds apart in simulated time (nothing sleeps), through the
// motion detector, tracker and grouping (FrameAnalyzer) and the generator
// with the configured triggers and de-duplication. Reports the eligible
// groups (one call per group per frame: the original system's cost), the
// tasks made by trigger and by reason, the de-duplicated and untriggered
// groups, the savings, and the scene's near misses: recorded, shown in a
// frame, seen by detection as a group, caught by a task.
struct GenerateBenchOptions {
  int cameras = 20;
  int frames = 300;
  double interval = 1.8;   // seconds between a camera's frames (detect's default)
  double near_miss = 0.1;  // sim:// near_miss: share of reckless drivers
  double density = 0.6;    // sim:// density
  int threads = 0;         // 0: one per core; cameras are split between threads
  std::string config_dir;  // tasks: settings from this folder's pipeline.yaml; empty: defaults
  std::string report_file;
  // Detection's output per camera is kept here and read back on the next run
  // with the same scene flags (delete the folder after changing detection).
  std::string observed_dir;
  // Print each urgent task whose group held no near miss, with its road users.
  bool explain = false;
};

// Runs the benchmark, prints figures, writes the JSON report when asked;
// returns the process exit code (1 when a near miss seen as a group had no task).
int run_generate_bench(const GenerateBenchOptions& options);

}  // namespace tmon::bench
