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
  return std::chrono::duration<double>(Steady::now() - start).count();
}

config::DetectionConfig detection_settings(const DetectBenchOptions& o) {
  config::DetectionConfig settings;
  settings.detector = o.detector;
  settings.yolo_model = o.yolo_model;
  settings.workers = o.workers;
  return settings;
}

// Times `run` on consecutive frames of a sim:// scene stepped one second per
// frame, as a camera sampled at 1 fps would see it. The first frames are not
// timed: the motion detector is still learning its background.
Distribution time_on_scene(int width, int height, int frames, double budget_seconds,
                           const std::function<void(const cv::Mat&)>& run) {
  constexpr int kWarmupFrames = 5;
  detect::SimOptions scene_options;
  scene_options.width = width;
  scene_options.height = height;
  detect::SimScene scene(scene_options);
  std::vector<double> millis;
  const auto start = Steady::now();
  for (int i = 0; i < kWarmupFrames + frames; ++i) {
    scene.step(1.0);
    const cv::Mat frame = scene.render();
    const auto before = Steady::now();
    run(frame);
    const double ms = std::chrono::duration<double, std::milli>(Steady::now() - before).count();
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
                  [&](const cv::Mat& frame) { (*warm)->detect(frame); });
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
      const Distribution d =
          time_on_scene(width, height, o.frames, o.max_case_seconds,
                        [&](const cv::Mat& frame) { (*detector)->detect(frame); });
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
    // The whole per-frame work of a camera with the motion detector.
    auto motion = factory.make("motion", "");
    if (!motion) continue;
    detect::FrameAnalyzer analyzer("bench", std::move(*motion), detect::analyzer_options(settings));
    const Distribution d =
        time_on_scene(width, height, o.frames, o.max_case_seconds, [&](const cv::Mat& frame) {
          const auto result =
              analyzer.analyze(frame, SystemClock::instance().epoch_ms(), SystemClock::instance());
          static_cast<void>(messages::encode(result));
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

// Frames analysed and dropped by every camera, summed.
std::pair<int64_t, int64_t> frame_counts(const detect::CameraManager& manager) {
  int64_t sampled = 0;
  int64_t dropped = 0;
  for (const auto& status : manager.list()) {
    sampled += status.frames_sampled;
    dropped += status.frames_dropped;
  }
  return {sampled, dropped};
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
  const auto start = Steady::now();
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
      "\n{} sim:// cameras, {}x{}, {} detector, one frame every {} s, for {} s ({} s warmup):\n",
      o.cameras, o.width, o.height, o.detector, o.interval, o.duration, o.warmup);
  manager.start();

  ProcessUsage usage_at_warmup;
  std::pair<int64_t, int64_t> counts_at_warmup;
  auto next_report = start + std::chrono::seconds(10);
  bool warm = false;
  while (seconds_since(start) < o.duration) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!warm && seconds_since(start) >= o.warmup) {
      warm = true;
      usage_at_warmup = ProcessUsage::now();
      counts_at_warmup = frame_counts(manager);
    }
    if (Steady::now() >= next_report) {
      next_report += std::chrono::seconds(10);
      const auto [sampled, dropped] = frame_counts(manager);
      std::cout << fmt::format("  t={:4.0f}s analysed {:6} dropped {:4}", seconds_since(start),
                               sampled, dropped)
                << std::endl;  // flushed: progress shows in logs and pipes too
    }
  }
  const double elapsed = seconds_since(start);
  const ProcessUsage usage = ProcessUsage::now();
  const auto [sampled, dropped] = frame_counts(manager);
  manager.stop();

  const double window = elapsed - o.warmup;
  const int64_t analysed = sampled - counts_at_warmup.first;
  const int64_t dropped_in_window = dropped - counts_at_warmup.second;
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
        {"cpuCores", cores},
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
      "  analysed {} of {:.0f} frames ({:.1f}/s), dropped {}; CPU {:.2f} cores; peak RSS {:.0f} MB;"
      " {:.1f} KB per message\n"
      "  detection latency (due -> analysed): mean {:.1f} ms, p50 {:.1f} ms, p95 {:.1f} ms, "
      "max {:.1f} ms\n"
      "  p95 first third {:.1f} ms, last third {:.1f} ms\n",
      analysed, expected, report["framesPerSecond"].get<double>(), dropped_in_window, cores,
      report["peakRssMb"].get<double>(), report["meanMessageKb"].get<double>(),
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
