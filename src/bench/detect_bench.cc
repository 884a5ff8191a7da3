#include "bench/detect_bench.h"

#include <fmt/format.h>
#include <prometheus/registry.h>

#include <chrono>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "bench/stats.h"
#include "common/clock.h"
#include "detect/camera_manager.h"
#include "detect/detector_factory.h"
#include "detect/frame_analyzer.h"
#include "detect/metrics.h"
#include "detect/sim_scene.h"
#include "messages/codec.h"

namespace tmon::bench {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(SystemClock::instance().now() - start).count();
}

config::DetectionConfig detection_settings(const DetectBenchOptions& o) {
  config::DetectionConfig settings;
  settings.detector = o.detector;
  settings.yolo_model = o.yolo_model;
  settings.workers = o.workers;
  settings.track_fps = o.track_fps;
  return settings;
}

// Times `run` on consecutive frames of a sim:// scene stepped 0.2 s per
// frame, as a camera tracking at 5 fps sees it; `run` gets the frame and its
// scene time (ms). The first 12 s are not timed: the motion detector is
// still learning its background.
Distribution time_on_scene(int width, int height, int frames, double budget_seconds,
                           const std::function<void(const cv::Mat&, int64_t)>& run) {
  constexpr int kWarmupFrames = 60;
  detect::SimOptions scene_options;
  scene_options.width = width;
  scene_options.height = height;
  detect::SimScene scene(scene_options);
  std::vector<double> millis;
  const auto start = SystemClock::instance().now();
  for (int i = 0; i < kWarmupFrames + frames; ++i) {
    scene.step(0.2);
    const cv::Mat frame = scene.render();
    const auto before = SystemClock::instance().now();
    run(frame, 200 * static_cast<int64_t>(i + 1));
    const double ms =
        std::chrono::duration<double, std::milli>(SystemClock::instance().now() - before).count();
    if (i < kWarmupFrames) continue;
    millis.push_back(ms);
    if (millis.size() >= 3 && seconds_since(start) > budget_seconds) break;
  }
  return Distribution::of(std::move(millis));
}

json time_detectors(const DetectBenchOptions& o) {
  config::DetectionConfig settings = detection_settings(o);
  detect::DetectorFactory factory(settings);
  std::vector<std::string> names{"motion", "hog"};
  if (!o.yolo_model.empty()) names.push_back("yolo");
  const std::vector<std::pair<int, int>> sizes{{640, 360}, {1280, 720}};

  // An untimed pass first: the first large images a process allocates cost
  // page faults (glibc maps them fresh until its mmap threshold adapts), which
  // a long-running detector never pays again.
  if (auto warm = factory.make("motion", "")) {
    time_on_scene(sizes.back().first, sizes.back().second, 10, o.max_case_seconds,
                  [&](const cv::Mat& frame, int64_t) { (*warm)->detect(frame); });
  }
  json cases = json::array();
  std::cout << "per-frame wall time (ms), one frame at a time, sim:// traffic:\n";
  for (const auto& [width, height] : sizes) {
    for (const auto& name : names) {
      auto detector = factory.make(name, "");
      if (!detector) {
        std::cerr << "bench: cannot make detector " << name << ": " << detector.error().message
                  << "\n";
        continue;
      }
      const Distribution d = time_on_scene(
          width, height, o.frames, o.max_case_seconds, [&](const cv::Mat& frame, int64_t ms) {
            (*detector)->observe({static_cast<double>(ms) / 1000.0, {}, {}});
            (*detector)->detect(frame);
          });
      cases.push_back({{"stage", "detect"},
                       {"detector", name},
                       {"width", width},
                       {"height", height},
                       {"ms", d.to_json()}});
      std::cout << fmt::format(
          "  {:>6} {:>4}x{:<4} detect   mean {:7.2f}  p50 {:7.2f}  p95 {:7.2f}"
          "  ({} frames)\n",
          name, width, height, d.mean, d.p50, d.p95, d.count);
    }
    // A tracking frame: detect and track, nothing published.
    auto tracking_detector = factory.make("motion", "");
    if (!tracking_detector) continue;
    detect::FrameAnalyzer tracking("bench", std::move(*tracking_detector),
                                   detect::analyzer_options(settings));
    const Distribution t =
        time_on_scene(width, height, o.frames, o.max_case_seconds,
                      [&](const cv::Mat& frame, int64_t ms) { tracking.track(frame, ms); });
    cases.push_back({{"stage", "track"},
                     {"detector", "motion"},
                     {"width", width},
                     {"height", height},
                     {"ms", t.to_json()}});
    std::cout << fmt::format(
        "  {:>6} {:>4}x{:<4} track    mean {:7.2f}  p50 {:7.2f}  p95 {:7.2f}  (detect+track)\n",
        "motion", width, height, t.mean, t.p50, t.p95);
    // The whole per-frame work of a camera with the motion detector.
    auto motion = factory.make("motion", "");
    if (!motion) continue;
    detect::FrameAnalyzer analyzer("bench", std::move(*motion), detect::analyzer_options(settings));
    const Distribution d = time_on_scene(
        width, height, o.frames, o.max_case_seconds, [&](const cv::Mat& frame, int64_t ms) {
          ManualClock clock(ms);
          static_cast<void>(messages::encode(analyzer.analyze(frame, ms, clock)));
        });
    cases.push_back({{"stage", "analyze"},
                     {"detector", "motion"},
                     {"width", width},
                     {"height", height},
                     {"ms", d.to_json()}});
    std::cout << fmt::format(
        "  {:>6} {:>4}x{:<4} analyze  mean {:7.2f}  p50 {:7.2f}  p95 {:7.2f}"
        "  (detect+track+group+crops+thumbnail+JSON)\n",
        "motion", width, height, d.mean, d.p50, d.p95);
  }
  if (o.yolo_model.empty()) std::cout << "  yolo: not timed (give --yolo-model FILE.onnx)\n";
  return cases;
}

// Frames analysed, dropped, tracked and given up (tracking) by every camera, summed.
struct FrameCounts {
  int64_t sampled = 0;
  int64_t dropped = 0;
  int64_t tracked = 0;
  int64_t skipped = 0;
};

FrameCounts frame_counts(const detect::CameraManager& manager) {
  FrameCounts counts;
  for (const auto& status : manager.list()) {
    counts.sampled += status.frames_sampled;
    counts.dropped += status.frames_dropped;
    counts.tracked += status.frames_tracked;
    counts.skipped += status.track_skipped;
  }
  return counts;
}

// A detection's finish time (seconds since the run started) and latency.
struct Latency {
  double at_s = 0;
  double ms = 0;
};

json latency_of(const std::vector<Latency>& samples, double from_s, double to_s) {
  std::vector<double> ms;
  for (const auto& s : samples) {
    if (s.at_s >= from_s && s.at_s < to_s) ms.push_back(s.ms);
  }
  return Distribution::of(std::move(ms)).to_json();
}

json run_cameras(const DetectBenchOptions& o, bool& healthy) {
  const config::DetectionConfig settings = detection_settings(o);
  detect::DetectorFactory factory(settings);
  prometheus::Registry registry;
  detect::DetectMetrics metrics(registry);
  detect::CameraManager manager(factory, detect::analyzer_options(settings), &metrics,
                                SystemClock::instance(), o.workers);

  std::mutex mu;
  std::vector<Latency> latencies;
  int64_t message_bytes = 0;
  const auto start = SystemClock::instance().now();
  // What `tmon detect` does with each result before Kafka: encode it.
  manager.set_result_sink([&](const messages::DetectionResult& result) {
    const size_t bytes = messages::encode(result).size();
    const double ms = static_cast<double>(result.detectedTs - result.captureTs);
    std::lock_guard lock(mu);
    latencies.push_back({seconds_since(start), ms});
    message_bytes += static_cast<int64_t>(bytes);
  });
  for (int i = 0; i < o.cameras; ++i) {
    const std::string url =
        fmt::format("sim://?seed={}&width={}&height={}", i + 1, o.width, o.height);
    if (auto added =
            manager.add({fmt::format("cam-{:03}", i + 1), url, o.detector, o.interval, true, ""});
        !added) {
      std::cerr << "bench: cannot add camera: " << added.error().message << "\n";
      healthy = false;
      return json::object();
    }
  }
  std::cout << fmt::format(
      "\n{} sim:// cameras, {}x{}, {} detector, tracking at {} fps, one frame analysed every {} s, "
      "for {} s ({} s warmup):\n",
      o.cameras, o.width, o.height, o.detector, o.track_fps, o.interval, o.duration, o.warmup);
  manager.start();

  ProcessUsage usage_at_warmup;
  FrameCounts counts_at_warmup;
  auto next_report = start + std::chrono::seconds(10);
  bool warm = false;
  while (seconds_since(start) < o.duration) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!warm && seconds_since(start) >= o.warmup) {
      warm = true;
      usage_at_warmup = ProcessUsage::now();
      counts_at_warmup = frame_counts(manager);
    }
    if (SystemClock::instance().now() >= next_report) {
      next_report += std::chrono::seconds(10);
      const FrameCounts now = frame_counts(manager);
      std::cout << fmt::format("  t={:4.0f}s tracked {:7} skipped {:5} analysed {:6} dropped {:4}",
                               seconds_since(start), now.tracked, now.skipped, now.sampled,
                               now.dropped)
                << std::endl;  // flushed: progress shows in logs and pipes too
    }
  }
  const double elapsed = seconds_since(start);
  const ProcessUsage usage = ProcessUsage::now();
  const FrameCounts end = frame_counts(manager);
  manager.stop();

  const double window = elapsed - o.warmup;
  const int64_t analysed = end.sampled - counts_at_warmup.sampled;
  const int64_t dropped_in_window = end.dropped - counts_at_warmup.dropped;
  const int64_t tracked = end.tracked - counts_at_warmup.tracked;
  const int64_t skipped = end.skipped - counts_at_warmup.skipped;
  const double expected = o.cameras * window / o.interval;
  const double cores = (usage.cpu_seconds - usage_at_warmup.cpu_seconds) / window;
  const double third = window / 3;
  json report;
  {
    std::lock_guard lock(mu);
    report = {
        {"windowSeconds", window},
        {"framesExpected", expected},
        {"framesAnalysed", analysed},
        {"framesDropped", dropped_in_window},
        {"framesPerSecond", static_cast<double>(analysed) / window},
        {"framesTracked", tracked},
        {"trackedPerSecond", static_cast<double>(tracked) / window},
        {"trackSkipped", skipped},
        {"cpuCores", cores},
        {"cpuCoresPerCamera", cores / o.cameras},
        {"peakRssMb", static_cast<double>(usage.peak_rss_kb) / 1024.0},
        {"meanMessageKb", latencies.empty() ? 0.0
                                            : static_cast<double>(message_bytes) / 1024.0 /
                                                  static_cast<double>(latencies.size())},
        {"latencyMs", latency_of(latencies, o.warmup, elapsed + 1)},
        {"latencyMsFirstThird", latency_of(latencies, o.warmup, o.warmup + third)},
        {"latencyMsLastThird", latency_of(latencies, o.warmup + 2 * third, elapsed + 1)},
    };
  }
  const json& l = report["latencyMs"];
  std::cout << fmt::format(
      "  tracked {} frames ({:.1f}/s, {:.2f} per camera per second), tracking frames given up {}\n",
      tracked, static_cast<double>(tracked) / window,
      static_cast<double>(tracked) / window / o.cameras, skipped);
  std::cout << fmt::format(
      "  analysed {} of {:.0f} frames ({:.1f}/s), dropped {}; CPU {:.2f} cores ({:.4f} per camera);"
      " peak RSS {:.0f} MB; {:.1f} KB per message\n"
      "  detection latency (due -> analysed): mean {:.1f} ms, p50 {:.1f} ms, p95 {:.1f} ms, "
      "max {:.1f} ms\n"
      "  p95 first third {:.1f} ms, last third {:.1f} ms\n",
      analysed, expected, report["framesPerSecond"].get<double>(), dropped_in_window, cores,
      cores / o.cameras, report["peakRssMb"].get<double>(), report["meanMessageKb"].get<double>(),
      l["mean"].get<double>(), l["p50"].get<double>(), l["p95"].get<double>(),
      l["max"].get<double>(), report["latencyMsFirstThird"]["p95"].get<double>(),
      report["latencyMsLastThird"]["p95"].get<double>());
  if (analysed == 0) healthy = false;
  return report;
}

}  // namespace

int run_detect_bench(const DetectBenchOptions& o) {
  if (o.warmup >= o.duration && o.cameras > 0) {
    std::cerr << "bench: --warmup must be shorter than --duration\n";
    return 2;
  }
  json report = {{"benchmark", "detect"},
                 {"config",
                  {{"cameras", o.cameras},
                   {"interval", o.interval},
                   {"trackFps", o.track_fps},
                   {"width", o.width},
                   {"height", o.height},
                   {"detector", o.detector},
                   {"duration", o.duration},
                   {"warmup", o.warmup},
                   {"workers", o.workers > 0 ? o.workers
                                             : static_cast<int>(std::max(
                                                   1u, std::thread::hardware_concurrency()))}}}};
  bool healthy = true;
  if (!o.skip_detectors) report["perFrame"] = time_detectors(o);
  if (o.cameras > 0) report["cameras"] = run_cameras(o, healthy);
  if (!o.report_file.empty()) write_report(o.report_file, report);
  return healthy ? 0 : 1;
}

}  // namespace tmon::bench
