#pragma once

#include <string>

namespace tmon::bench {

// `tmon bench track`: how well detection and tracking follow sim:// traffic
// at the tracking rate, against the scene's ground truth, under each
// real-camera condition alone and all together (noise, exposure drift,
// swaying shadows, parked cars): precision, recall, per-frame vehicle count
// error, id switches per 100 track-frames, ids per true object, and TTC of
// approaching pairs against the scene's.
struct TrackBenchOptions {
  double fps = 5;        // tracking rate
  double seconds = 120;  // simulated seconds per scene
  double warmup = 10;    // simulated seconds left out (background forming)
  int seeds = 3;         // scenes per condition (seeds 1..N)
  double density = 0.6;
  double near_miss = 0.1;
  bool inertia = false;  // sim:// inertia=1: speed changes at bounded rates
  // The scene's own boxes instead of the motion detector: the tracker's
  // share of an error.
  bool perfect_detection = false;
  // px of noise per axis on the reference's true centres (the reference:
  // the TTC a 3-frame parabola through the centres gives, what the frame
  // rate allows).
  double reference_noise = 0;
  int width = 640;
  int height = 360;
  // Condition strengths when on (the "real camera").
  double noise = 6;
  double exposure = 0.15;
  int shadows = 1;
  int parked = 2;
  std::string conditions =
      "all";  // "clean", "all", or a comma list of clean,noise,exposure,shadows,parked,combined
  int threads = 0;  // 0: one per core
  std::string report_file;
  // Every scored TTC pair as CSV (condition, seed, true and tracked boxes,
  // speeds, TTCs): where the estimates' error comes from.
  std::string ttc_dump_file;
};

int run_track_bench(const TrackBenchOptions& options);

}  // namespace tmon::bench
