#pragma once

#include <string>

namespace tmon::bench {

// `tmon bench detect`: what detection costs on this machine.
//
// Part one times each detector (motion, hog, and yolo when a model file is
// given) per frame at 640x360 and 1280x720 on rendered sim:// traffic, and
// the whole per-frame analysis (detect, track, group, JPEG crops, thumbnail)
// with the motion detector.
//
// Part two runs `cameras` sim:// cameras through a real CameraManager, as
// `tmon detect` does (tracking at track_fps, analysing every interval), for
// `duration` seconds and reports the CPU used (and per camera), the frames
// tracked, skipped (tracking degraded), analysed and dropped, and the
// detection latency (from when a frame was due to when its analysis
// finished) p50/p95, comparing the first and the last third of the run to
// show whether lag grows.
struct DetectBenchOptions {
  int cameras = 50;       // 0 skips the camera run
  double interval = 1.0;  // seconds between a camera's analysed frames
  double track_fps = 5;   // frames detected and tracked per second per camera; 0: analysed only
  int width = 640;
  int height = 360;
  std::string detector = "motion";
  double duration = 60;         // seconds of the camera run
  double warmup = 10;           // seconds left out of the figures
  int workers = 0;              // detection threads; 0: one per core
  int frames = 40;              // frames timed per detector and size
  double max_case_seconds = 8;  // time budget per detector and size
  bool skip_detectors = false;
  std::string yolo_model;  // ONNX file; empty: yolo is not timed
  std::string report_file;
};

// Runs the benchmark, prints figures, writes the JSON report when asked;
// returns the process exit code.
int run_detect_bench(const DetectBenchOptions& options);

}  // namespace tmon::bench
