#include "bench/generate_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "bench/stats.h"
#include "common/clock.h"
#include "config/load.h"
#include "generate/sim_run.h"
#include "llm/prompt.h"
#include "llm/token_estimate.h"

namespace tmon::bench {
namespace {

using nlohmann::json;

// Detection of one camera, from the cache folder when it holds it (written
// there otherwise): the generator is cheap, detection is not, and detection
// does not depend on the task policy being tried.
generate::ObservedCamera observe(const generate::SimRunOptions& run, const std::string& dir) {
  if (dir.empty()) return generate::observe_sim_camera(run);
  const auto path = std::filesystem::path(dir) /
                    fmt::format("{}-d{}-n{}-f{}-i{}.json", run.camera_id, run.scene.density,
                                run.scene.near_miss, run.frames, run.interval_seconds);
  if (std::ifstream in(path); in) {
    std::stringstream text;
    text << in.rdbuf();
    if (auto camera = generate::decode_observed(text.str())) return std::move(*camera);
    std::cerr << "bench: " << path.string() << " unreadable, observing again\n";
  }
  auto camera = generate::observe_sim_camera(run);
  std::error_code ignored;
  std::filesystem::create_directories(dir, ignored);
  std::ofstream(path) << generate::encode_observed(camera);
  return camera;
}

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
  // Prompt tokens (llm::prompt_tokens under the default Qwen-VL rule) of the
  // tasks as single calls, and as one batched call per frame: the system
  // prompt then goes once per frame instead of once per group.
  std::vector<int64_t> single_tokens(static_cast<size_t>(threads), 0);
  std::vector<int64_t> batched_tokens(static_cast<size_t>(threads), 0);
  std::vector<int> largest_batch(static_cast<size_t>(threads), 0);
  // One call per frame with tasks, or more when a frame has more than
  // llm.max_batch_groups (the scheduler splits it).
  std::vector<int64_t> batched_calls(static_cast<size_t>(threads), 0);
  const config::LlmConfig llm_config;
  const int64_t system_tokens =
      llm::text_tokens(llm::build_chat_request({}, llm_config).system_prompt);
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
        const auto slot = static_cast<size_t>(t);
        run.on_frame = [&, slot](const generate::FrameOutcome& outcome) {
          int64_t frame_tokens = 0;
          for (const auto& task : outcome.tasks) {
            const auto request = llm::build_chat_request(task, llm_config);
            frame_tokens += llm::prompt_tokens(request, llm::TokenRule{});
          }
          single_tokens[slot] += frame_tokens;
          if (outcome.tasks.empty()) return;
          const auto per_call = static_cast<int64_t>(std::max(1, llm_config.max_batch_groups));
          const auto tasks_now = static_cast<int64_t>(outcome.tasks.size());
          const int64_t calls = (tasks_now + per_call - 1) / per_call;
          batched_calls[slot] += calls;
          batched_tokens[slot] += frame_tokens - (tasks_now - calls) * system_tokens;
          largest_batch[slot] =
              std::max(largest_batch[slot], static_cast<int>(outcome.tasks.size()));
        };
        parts[static_cast<size_t>(t)] +=
            generate::audit_sim_camera(observe(run, o.observed_dir), generator, run.on_frame,
                                       o.explain);
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
  int64_t tokens = 0, tokens_batched = 0;
  int max_batch = 0;
  int64_t calls = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    calls += batched_calls[i];
    tokens += single_tokens[i];
    tokens_batched += batched_tokens[i];
    max_batch = std::max(max_batch, largest_batch[i]);
  }
  const double camera_minutes = o.cameras * o.frames * o.interval / 60.0;
  auto per_camera_minute = [&](double count) {
    return camera_minutes > 0 ? count / camera_minutes : 0;
  };
  // What one call per group per frame costs against what is called now.
  auto fewer = [&](double calls) { return calls > 0 ? total.groups / calls : 0; };

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
        {"maxReassessSeconds", tasks.dedup.max_reassess_seconds},
        {"coalesceSeconds", tasks.dedup.coalesce_seconds},
        {"trackIdentity", tasks.dedup.track_identity},
        {"quietNewsWaits", tasks.dedup.quiet_news_waits},
        {"imminentTtcSeconds", tasks.dedup.imminent_ttc_seconds},
        {"closerPairRatio", tasks.dedup.closer_pair_ratio},
        {"maxBatchGroups", llm_config.max_batch_groups},
        {"requireConflictPotential", tasks.require_conflict_potential}}},
      {"frames", total.frames},
      {"simulatedSeconds", o.frames * o.interval},
      {"groups", total.groups},
      {"tasks", total.tasks},
      {"tasksByTrigger", total.tasks_by_trigger},
      {"tasksByReason", total.tasks_by_verdict},
      {"urgentWithoutNearMiss", total.urgent_without_near_miss},
      {"urgentRepeatingNearMiss", total.urgent_repeats},
      {"deduplicated", total.deduplicated},
      {"deferred", total.deferred},
      {"untriggered", total.untriggered},
      {"noConflictPotential", total.no_potential},
      {"savedPercent", saved},
      {"groupsPerCameraMinute", per_camera_minute(total.groups)},
      {"tasksPerCameraMinute", per_camera_minute(total.tasks)},
      {"timesFewerCalls", fewer(total.tasks)},
      {"batched",
       {{"calls", calls},
        {"callsPerCameraMinute", per_camera_minute(static_cast<double>(calls))},
        {"groupsPerCall", calls > 0 ? static_cast<double>(total.tasks) / calls : 0},
        {"largestBatch", max_batch},
        {"framesDeferrableOnly", total.frames_deferrable_only},
        {"timesFewerCalls", fewer(static_cast<double>(calls))},
        {"promptTokensPerCameraMinute", per_camera_minute(static_cast<double>(tokens_batched))}}},
      {"promptTokensPerCameraMinute", per_camera_minute(static_cast<double>(tokens))},
      {"baselinePromptTokensPerCameraMinute",
       total.tasks > 0 ? per_camera_minute(static_cast<double>(tokens) / total.tasks * total.groups)
                       : 0},
      {"nearMisses",
       {{"recorded", nm.recorded},
        {"betweenFrames", nm.between_frames},
        {"rendered", nm.rendered()},
        {"notSeenAsGroup", nm.not_seen},
        {"seenAsGroup", nm.seen_as_group()},
        {"caught", nm.caught},
        {"caughtByFrameBefore", nm.caught_before},
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
  std::string urgent_repeats;
  for (const auto& [name, count] : total.urgent_repeats) {
    urgent_repeats += fmt::format("{}{}={}", urgent_repeats.empty() ? "" : ", ", name, count);
  }
  std::string urgent_idle;
  int urgent_idle_total = 0;
  for (const auto& [name, count] : total.urgent_without_near_miss) {
    urgent_idle += fmt::format("{}{}={}", urgent_idle.empty() ? "" : ", ", name, count);
    urgent_idle_total += count;
  }
  std::cout << fmt::format(
      "generate: {} sim:// cameras x {} frames, {:.1f} s apart ({:.0f} simulated s each), "
      "{} threads, {:.1f} s wall\n"
      "  groups (one call per group per frame): {}\n"
      "  tasks: {} ({}); by reason: {}\n"
      "  de-duplicated: {}, untriggered: {}, no conflict potential: {}, waiting for a call: {}\n"
      "  LLM calls saved: {:.1f}% ({:.2f} tasks per camera-minute against {:.2f} groups: "
      "{:.2f}x fewer)\n"
      "  batched (llm.batch_groups): {} calls, {:.2f} per camera-minute ({:.2f}x fewer), "
      "{:.2f} groups per call (at most {}); {} of them for deferrable reasons alone\n"
      "  prompt tokens per camera-minute: {:.0f} as single calls, {:.0f} batched "
      "(one call per group per frame: ~{:.0f})\n"
      "  near misses: {} recorded, {} in a frame, {} seen by detection as a group, {} caught "
      "({} by the frame before), {} missed\n"
      "  urgent tasks whose group held no near miss: {} ({}); only near misses shown before: {}\n"
      "  generator: {:.1f} us per frame; detection {:.1f} ms per frame\n",
      o.cameras, o.frames, o.interval, o.frames * o.interval, threads, wall, total.groups,
      total.tasks, by_trigger.empty() ? "none" : by_trigger, by_reason.empty() ? "none" : by_reason,
      total.deduplicated, total.untriggered, total.no_potential, total.deferred, saved,
      report["tasksPerCameraMinute"].get<double>(), report["groupsPerCameraMinute"].get<double>(),
      fewer(total.tasks), calls, per_camera_minute(static_cast<double>(calls)),
      fewer(static_cast<double>(calls)), report["batched"]["groupsPerCall"].get<double>(),
      max_batch, total.frames_deferrable_only, report["promptTokensPerCameraMinute"].get<double>(),
      report["batched"]["promptTokensPerCameraMinute"].get<double>(),
      report["baselinePromptTokensPerCameraMinute"].get<double>(), nm.recorded, nm.rendered(),
      nm.seen_as_group(), nm.caught, nm.caught_before, nm.missed.size(), urgent_idle_total,
      urgent_idle.empty() ? "none" : urgent_idle, urgent_repeats.empty() ? "none" : urgent_repeats,
      report["generateMicrosPerFrame"].get<double>(),
      total.frames > 0 ? 1e3 * total.detect_seconds / total.frames : 0);
  for (const auto& line : nm.missed) std::cout << "  missed: " << line << "\n";
  for (const auto& line : total.unexplained) std::cout << "  no near miss: " << line << "\n";
  if (!o.report_file.empty()) write_report(o.report_file, report);
  return nm.missed.empty() ? 0 : 1;
}

}  // namespace tmon::bench
