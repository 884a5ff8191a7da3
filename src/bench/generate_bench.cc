#include "bench/generate_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "bench/stats.h"
#include "common/clock.h"
#include "config/load.h"
#include "generate/sim_run.h"

namespace tmon::bench {
namespace {

using nlohmann::json;

double percent(double part, double whole) {
  return whole > 0 ? 100.0 * part / whole : 0;
}

}  // namespace

int run_generate_bench(const GenerateBenchOptions& o) {
  config::TaskConfig tasks;
  config::DetectionConfig detection;
  if (!o.config_dir.empty()) {
    config::LoadOptions load;
    load.config_dir = o.config_dir;
    auto loaded = config::load_config(load);
    if (!loaded) {
      std::cerr << "bench: " << loaded.error().message << "\n";
      return 2;
    }
    tasks = loaded->config->pipeline.tasks;
    detection = loaded->config->pipeline.detection;
  }
  const int threads = std::clamp(
      o.threads > 0 ? o.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
      1, std::max(1, o.cameras));

  // Cameras are independent (state is per camera), so each thread has its
  // own generator, as each consumer of the group would.
  std::vector<generate::SimRunReport> parts(static_cast<size_t>(threads));
  const auto started = SystemClock::instance().now();
  const auto cpu_before = ProcessUsage::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      generate::TaskGenerator generator(tasks);
      for (int camera = t; camera < o.cameras; camera += threads) {
        generate::SimRunOptions run;
        run.camera_id = fmt::format("sim-{:03}", camera + 1);
        run.scene.seed = static_cast<uint64_t>(camera + 1);
        run.scene.near_miss = o.near_miss;
        run.scene.density = o.density;
        run.interval_seconds = o.interval;
        run.frames = o.frames;
        run.detection = detection;
        parts[static_cast<size_t>(t)] += generate::run_sim_camera(run, generator);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double wall =
      std::chrono::duration<double>(SystemClock::instance().now() - started).count();
  const auto cpu_after = ProcessUsage::now();
  generate::SimRunReport total;
  for (const auto& part : parts) total += part;
  const auto& nm = total.near_misses;

  const double saved = percent(total.groups - total.tasks, total.groups);
  json report = {
      {"benchmark", "generate"},
      {"config",
       {{"cameras", o.cameras},
        {"frames", o.frames},
        {"interval", o.interval},
        {"nearMiss", o.near_miss},
        {"density", o.density},
        {"threads", threads},
        {"dedupIntervalSeconds", tasks.dedup.interval_seconds}}},
      {"frames", total.frames},
      {"simulatedSeconds", o.frames * o.interval},
      {"groups", total.groups},
      {"tasks", total.tasks},
      {"tasksByTrigger", total.tasks_by_trigger},
      {"tasksByReason", total.tasks_by_verdict},
      {"deduplicated", total.deduplicated},
      {"untriggered", total.untriggered},
      {"savedPercent", saved},
      {"tasksPerCameraMinute", o.cameras > 0 && o.frames > 0
                                   ? total.tasks / (o.cameras * o.frames * o.interval / 60.0)
                                   : 0},
      {"nearMisses",
       {{"recorded", nm.recorded},
        {"betweenFrames", nm.between_frames},
        {"rendered", nm.rendered()},
        {"notSeenAsGroup", nm.not_seen},
        {"seenAsGroup", nm.seen_as_group()},
        {"caught", nm.caught},
        {"missed", nm.missed}}},
      {"wallSeconds", wall},
      {"cpuSeconds", cpu_after.cpu_seconds - cpu_before.cpu_seconds},
      {"detectSeconds", total.detect_seconds},
      {"generateSeconds", total.generate_seconds},
      {"generateMicrosPerFrame",
       total.frames > 0 ? 1e6 * total.generate_seconds / total.frames : 0},
      {"peakRssMb", static_cast<double>(cpu_after.peak_rss_kb) / 1024.0},
  };

  std::string by_trigger;
  for (const auto& [name, count] : total.tasks_by_trigger) {
    by_trigger += fmt::format("{}{}={}", by_trigger.empty() ? "" : ", ", name, count);
  }
  std::string by_reason;
  for (const auto& [name, count] : total.tasks_by_verdict) {
    by_reason += fmt::format("{}{}={}", by_reason.empty() ? "" : ", ", name, count);
  }
  std::cout << fmt::format(
      "generate: {} sim:// cameras x {} frames, {:.1f} s apart ({:.0f} simulated s each), "
      "{} threads, {:.1f} s wall\n"
      "  groups (one call per group per frame): {}\n"
      "  tasks: {} ({}); by reason: {}\n"
      "  de-duplicated: {}, untriggered: {}\n"
      "  LLM calls saved: {:.1f}% ({:.2f} tasks per camera-minute)\n"
      "  near misses: {} recorded, {} in a frame, {} seen by detection as a group, {} caught, "
      "{} missed\n"
      "  generator: {:.1f} us per frame; detection {:.1f} ms per frame\n",
      o.cameras, o.frames, o.interval, o.frames * o.interval, threads, wall, total.groups,
      total.tasks, by_trigger.empty() ? "none" : by_trigger, by_reason.empty() ? "none" : by_reason,
      total.deduplicated, total.untriggered, saved, report["tasksPerCameraMinute"].get<double>(),
      nm.recorded, nm.rendered(), nm.seen_as_group(), nm.caught, nm.missed.size(),
      report["generateMicrosPerFrame"].get<double>(),
      total.frames > 0 ? 1e3 * total.detect_seconds / total.frames : 0);
  for (const auto& line : nm.missed) std::cout << "  missed: " << line << "\n";
  if (!o.report_file.empty()) write_report(o.report_file, report);
  return nm.missed.empty() ? 0 : 1;
}

}  // namespace tmon::bench
