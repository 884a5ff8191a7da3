#include "bench/pipeline_report.h"

#include <fmt/format.h>

#include <cmath>

#include "bench/pipeline_stages.h"
#include "bench/stats.h"

namespace tmon::bench {
namespace {

using messages::ResultStatus;
using nlohmann::json;

// Upper bounds (ms) of the end-to-end latency histogram; the last bucket is +Inf.
constexpr double kHistogramBoundsMs[] = {250,  500,  750,  1000, 1250, 1500,  1750,  2000,
                                         2500, 3000, 4000, 5000, 7500, 10000, 15000, 20000};

struct Window {
  double start_s = 0;
  double end_s = 0;
  double seconds() const { return std::max(1e-9, end_s - start_s); }
  bool contains(double t) const { return t >= start_s && t < end_s; }
};

json histogram_of(const std::vector<double>& values_ms) {
  std::vector<int64_t> counts(std::size(kHistogramBoundsMs) + 1, 0);
  for (const double v : values_ms) {
    size_t bucket = 0;
    while (bucket < std::size(kHistogramBoundsMs) && v > kHistogramBoundsMs[bucket]) ++bucket;
    ++counts[bucket];
  }
  json buckets = json::array();
  for (size_t i = 0; i < counts.size(); ++i) {
    buckets.push_back(
        {{"leMs", i < std::size(kHistogramBoundsMs) ? json(kHistogramBoundsMs[i]) : json(nullptr)},
         {"count", counts[i]}});
  }
  return buckets;
}

json check(const std::string& name, bool passed, const std::string& detail) {
  return {{"name", name}, {"passed", passed}, {"detail", detail}};
}

double mean_of(const std::vector<double>& values) {
  if (values.empty()) return 0;
  double sum = 0;
  for (const double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

}  // namespace

json build_pipeline_report(const PipelineRun& run) {
  const Window window{std::min(run.warmup_s, run.duration_s), run.duration_s};
  const auto rel_s = [&](int64_t epoch_ms) {
    return static_cast<double>(epoch_ms - run.load_start_ms) / 1000.0;
  };

  // Frames: counts over the whole run, latency over those captured in the window.
  int64_t frames_seen = 0, frames_with_tasks = 0, complete_views = 0, partial_views = 0;
  int64_t frames_not_stored = 0, frames_in_window = 0;
  json examples_not_stored = json::array();  // a few, to look up
  std::vector<double> e2e, pipeline, detection;
  for (const auto& [id, frame] : run.frames) {
    if (frame.seen_ms) ++frames_seen;
    if (frame.tasks_seen > 0) ++frames_with_tasks;
    if (frame.stored_ts != 0) ++(frame.partial ? partial_views : complete_views);
    if (frame.tasks_seen > 0 && !frame.stored) {
      ++frames_not_stored;
      if (examples_not_stored.size() < 10) examples_not_stored.push_back(id);
    }
    if (!window.contains(rel_s(frame.capture_ts))) continue;
    if (frame.seen_ms) {
      ++frames_in_window;
      detection.push_back(static_cast<double>(frame.detected_ts - frame.capture_ts));
    }
    if (frame.stored_ts != 0) {
      const double latency = static_cast<double>(frame.stored_ts - frame.capture_ts);
      e2e.push_back(latency);
      pipeline.push_back(latency - static_cast<double>(frame.max_llm_ms));
    }
  }

  // Tasks and their results.
  int64_t tasks_seen = 0, with_result = 0, lost = 0, without_task = 0, duplicates = 0;
  int64_t tasks_in_window = 0, results_in_window = 0, ok_in_window = 0, ok_sent_in_window = 0;
  std::map<std::string, int64_t> by_status, by_code;
  json examples_lost = json::array();
  std::vector<double> age, llm, queue_wait;
  for (const auto& [id, task] : run.tasks) {
    const bool seen = task.seen_ms.has_value();
    if (seen) ++tasks_seen;
    duplicates += std::max<int64_t>(0, static_cast<int64_t>(task.results.size()) - 1);
    const trace::ResultTrace* result = task.first_result();
    if (!result) {
      if (seen) ++lost;
      if (seen && examples_lost.size() < 10) examples_lost.push_back(id);
      continue;
    }
    if (!seen) ++without_task;
    ++with_result;
    const bool ok = result->status == ResultStatus::kOk;
    ++by_status[std::string(messages::to_string(result->status))];
    if (!ok) ++by_code[result->code.empty() ? "unknown" : result->code];
    if (seen && window.contains(rel_s(task.created_ts))) ++tasks_in_window;
    if (window.contains(rel_s(result->completed_ts))) {
      ++results_in_window;
      if (ok) ++ok_in_window;
    }
    if (!ok) continue;
    // Goodput counts calls by when they were sent: what the limits govern.
    if (window.contains(rel_s(result->completed_ts - result->llm_ms))) ++ok_sent_in_window;
    if (!window.contains(rel_s(task.capture_ts))) continue;
    age.push_back(static_cast<double>(result->completed_ts - task.capture_ts));
    llm.push_back(static_cast<double>(result->llm_ms));
    queue_wait.push_back(static_cast<double>(result->queue_wait_ms));
  }
  const StageBreakdown stages = break_down_stages(
      run.frames, run.tasks, [&](int64_t capture_ts) { return window.contains(rel_s(capture_ts)); },
      run.load_start_ms);

  // The timeline: per-second rates from successive totals.
  json timeline = json::array();
  std::map<std::string, std::vector<double>> lag_during_load;  // the steady window's
  std::vector<double> rss_during_load;
  for (size_t i = 0; i < run.timeline.size(); ++i) {
    const auto& sample = run.timeline[i];
    const TimelineSample previous = i > 0 ? run.timeline[i - 1] : TimelineSample{};
    const double dt = std::max(1e-9, sample.t - previous.t);
    const auto rate = [&](int64_t now, int64_t before) {
      return static_cast<double>(now - before) / dt;
    };
    json lag = json::object();
    for (const auto& [topic, value] : sample.lag) {
      lag[topic] = value ? json(*value) : json(nullptr);
      auto& values = lag_during_load[topic];  // a topic without answers still shows
      if (value && sample.t >= window.start_s && sample.t <= run.duration_s) {
        values.push_back(static_cast<double>(*value));
      }
    }
    if (sample.t <= run.duration_s) rss_during_load.push_back(sample.rss_mb);
    timeline.push_back({{"t", sample.t},
                        {"frames", rate(sample.totals.frames, previous.totals.frames)},
                        {"tasks", rate(sample.totals.tasks, previous.totals.tasks)},
                        {"results", rate(sample.totals.results, previous.totals.results)},
                        {"okResults", rate(sample.totals.ok_results, previous.totals.ok_results)},
                        {"inFlight", sample.totals.in_flight()},
                        {"lag", lag},
                        {"rssMb", sample.rss_mb}});
  }
  json kafka_lag = json::object();
  int64_t max_lag = 0;
  for (const auto& [topic, values] : lag_during_load) {
    const double max = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
    max_lag = std::max(max_lag, static_cast<int64_t>(max));
    kafka_lag[topic] = {{"max", values.empty() ? json(nullptr) : json(static_cast<int64_t>(max))},
                        {"mean", values.empty() ? json(nullptr) : json(mean_of(values))},
                        {"samples", values.size()}};
  }

  const auto e2e_dist = Distribution::of(e2e);
  const auto age_dist = Distribution::of(age);
  json report{
      {"benchmark", "pipeline"},
      {"config", run.config},
      {"counts",
       {{"framesProduced", run.frames_produced >= 0 ? json(run.frames_produced) : json(nullptr)},
        {"frames", frames_seen},
        {"framesWithTasks", frames_with_tasks},
        {"tasks", tasks_seen},
        {"results", with_result},
        {"resultsByStatus", by_status},
        {"resultsByCode", by_code},
        {"lostTasks", lost},
        {"resultsWithoutTask", without_task},
        {"duplicateResults", duplicates},
        {"views",
         {{"complete", complete_views},
          {"partial", partial_views},
          {"storedNotPushed", run.totals.views_from_history},
          {"storedNotSeen", run.totals.views_gone}}},
        {"framesNotStored", frames_not_stored},
        {"examples", {{"lostTaskIds", examples_lost}, {"framesNotStored", examples_not_stored}}},
        {"deadLetters", run.totals.dead_letters},
        {"undecodable", run.totals.undecodable}}},
      {"latencyMs",
       {{"endToEnd", e2e_dist.to_json()},
        {"pipeline", Distribution::of(pipeline).to_json()},
        {"resultAge", age_dist.to_json()},
        {"llm", Distribution::of(llm).to_json()},
        {"queueWait", Distribution::of(queue_wait).to_json()},
        {"detection", Distribution::of(detection).to_json()}}},
      {"stagesMs", stages.stages_ms},
      {"slowestFrames", stages.slowest_frames},
      {"histogram", {{"endToEndMs", histogram_of(e2e)}}},
      {"window", {{"startSeconds", window.start_s}, {"endSeconds", window.end_s}}},
      {"throughputPerSecond",
       {{"frames", static_cast<double>(frames_in_window) / window.seconds()},
        {"tasks", static_cast<double>(tasks_in_window) / window.seconds()},
        {"results", static_cast<double>(results_in_window) / window.seconds()},
        {"okResults", static_cast<double>(ok_in_window) / window.seconds()}}},
      {"kafkaLag", kafka_lag},
      {"processes", run.processes},
      {"timeline", timeline},
      {"wallSeconds", run.wall_s},
  };

  // Calls to the provider: its own counts when it is the mock, else ours.
  const int64_t ok_results = by_status["ok"];
  const int64_t error_results = by_status["error"];
  json api{{"source", run.provider ? "mock provider" : "results"}};
  if (run.provider) {
    api["calls"] = run.provider->requests;
    api["ok"] = run.provider->ok;
    api["rateLimited"] = run.provider->rate_limited;
  } else {
    api["calls"] = ok_results + error_results;
    api["ok"] = ok_results;
    api["rateLimited"] = by_code["rate_limited"];
  }
  const int64_t calls = api["calls"].get<int64_t>();
  api["successRate"] = calls > 0 ? static_cast<double>(api["ok"].get<int64_t>()) / calls : 0.0;
  report["api"] = api;

  if (run.capacity_per_second > 0) {
    const double goodput = static_cast<double>(ok_sent_in_window) / window.seconds();
    json capacity{{"perSecond", run.capacity_per_second},
                  {"goodputPerSecond", goodput},
                  {"goodputOfCapacity", goodput / run.capacity_per_second},
                  {"limitPerSecond", run.limit_per_second},
                  {"limitPerMinute", run.limit_per_minute}};
    if (run.provider) {
      capacity["maxPerSecond"] = run.provider->max_per_second;
      capacity["maxPerMinute"] = run.provider->max_per_minute;
      capacity["accounts"] = run.provider->accounts;
    }
    report["capacity"] = capacity;
  }

  // Memory: the middle third of the load against the last third.
  json memory = json::object();
  if (rss_during_load.size() >= 3) {
    const size_t third = rss_during_load.size() / 3;
    const std::vector<double> middle(
        rss_during_load.begin() + static_cast<std::ptrdiff_t>(third),
        rss_during_load.begin() + static_cast<std::ptrdiff_t>(2 * third));
    const std::vector<double> last(rss_during_load.end() - static_cast<std::ptrdiff_t>(third),
                                   rss_during_load.end());
    memory = {{"rssMbMiddleThird", mean_of(middle)}, {"rssMbLastThird", mean_of(last)}};
  }
  report["memory"] = memory;

  // The verdict: what a user sizing a deployment checks first.
  json checks = json::array();
  checks.push_back(check("nothing lost", lost == 0 && frames_not_stored == 0,
                         fmt::format("{} tasks without a result, {} frames with tasks not stored",
                                     lost, frames_not_stored)));
  checks.push_back(check("no dead letters", run.totals.dead_letters == 0,
                         fmt::format("{} dead letters", run.totals.dead_letters)));
  if (run.provider) {
    checks.push_back(check("no 429s", run.provider->rate_limited == 0,
                           fmt::format("{} answered 429", run.provider->rate_limited)));
  }
  checks.push_back(check(fmt::format("Kafka lag < {}", run.max_lag), max_lag < run.max_lag,
                         fmt::format("max {} after the warm-up", max_lag)));
  if (run.max_age_s > 0 && age_dist.count > 0) {
    checks.push_back(
        check("result age p95 <= max_age", age_dist.p95 <= run.max_age_s * 1000,
              fmt::format("p95 {:.0f} ms, max_age {:.0f} ms", age_dist.p95, run.max_age_s * 1000)));
  }
  if (run.e2e_p95_target_ms > 0) {
    checks.push_back(
        check(fmt::format("end-to-end p95 <= {:.0f} ms", run.e2e_p95_target_ms),
              e2e_dist.count > 0 && e2e_dist.p95 <= run.e2e_p95_target_ms,
              fmt::format("p95 {:.0f} ms over {} frames", e2e_dist.p95, e2e_dist.count)));
  }
  if (memory.contains("rssMbLastThird")) {
    const double middle = memory["rssMbMiddleThird"].get<double>();
    const double last = memory["rssMbLastThird"].get<double>();
    checks.push_back(check("memory flat", last <= middle * 1.10 + 5,
                           fmt::format("RSS {:.0f} MB in the middle third of the load, {:.0f} MB "
                                       "in the last",
                                       middle, last)));
  }
  bool passed = true;
  for (const auto& c : checks) passed = passed && c["passed"].get<bool>();
  report["verdict"] = {{"passed", passed}, {"checks", checks}};
  return report;
}

std::string summarize_pipeline_report(const json& r) {
  const auto& counts = r["counts"];
  const auto& e2e = r["latencyMs"]["endToEnd"];
  const auto& tp = r["throughputPerSecond"];
  const auto stage = [&](const char* name, const char* quantile) {
    return r["stagesMs"].contains(name) ? r["stagesMs"][name].value(quantile, 0.0) : 0.0;
  };
  std::string text = fmt::format(
      "frames {}  tasks {}  results {} ({})  lost {}  frames not stored {}  dead letters {}\n"
      "throughput: {:.1f} frames/s, {:.2f} tasks/s, {:.2f} results/s ({:.2f} ok/s)\n"
      "end-to-end (capture -> stored) ms: mean {:.0f}  p50 {:.0f}  p95 {:.0f}  p99 {:.0f}  max "
      "{:.0f}  ({} frames)\n"
      "pipeline (end-to-end minus LLM) ms: p50 {:.0f}  p99 {:.0f};  LLM ms p50 {:.0f};  queue "
      "wait ms p95 {:.0f};  result age p95 {:.0f}\n"
      "stages ms p50/p99: capture->task {:.0f}/{:.0f}, task->send {:.0f}/{:.0f}, "
      "result->view {:.0f}/{:.0f}\n"
      "hops ms p50/p99: task produce->scheduler {:.0f}/{:.0f}, scheduler receipt->send "
      "{:.0f}/{:.0f}, result produce->aggregator {:.0f}/{:.0f}, aggregator receipt->stored "
      "{:.0f}/{:.0f}\n"
      "API: {} calls, success {:.1f}%, 429s {}\n",
      counts["frames"].get<int64_t>(), counts["tasks"].get<int64_t>(),
      counts["results"].get<int64_t>(), counts["resultsByStatus"].dump(),
      counts["lostTasks"].get<int64_t>(), counts["framesNotStored"].get<int64_t>(),
      counts["deadLetters"].get<int64_t>(), tp["frames"].get<double>(), tp["tasks"].get<double>(),
      tp["results"].get<double>(), tp["okResults"].get<double>(), e2e["mean"].get<double>(),
      e2e["p50"].get<double>(), e2e["p95"].get<double>(), e2e["p99"].get<double>(),
      e2e["max"].get<double>(), e2e["count"].get<size_t>(),
      r["latencyMs"]["pipeline"]["p50"].get<double>(),
      r["latencyMs"]["pipeline"]["p99"].get<double>(), r["latencyMs"]["llm"]["p50"].get<double>(),
      r["latencyMs"]["queueWait"]["p95"].get<double>(),
      r["latencyMs"]["resultAge"]["p95"].get<double>(), stage("captureToTask", "p50"),
      stage("captureToTask", "p99"), stage("taskToSend", "p50"), stage("taskToSend", "p99"),
      stage("resultToView", "p50"), stage("resultToView", "p99"),
      stage("taskProducedToReceived", "p50"), stage("taskProducedToReceived", "p99"),
      stage("taskReceivedToSent", "p50"), stage("taskReceivedToSent", "p99"),
      stage("resultProducedToReceived", "p50"), stage("resultProducedToReceived", "p99"),
      stage("resultReceivedToStored", "p50"), stage("resultReceivedToStored", "p99"),
      r["api"]["calls"].get<int64_t>(), 100 * r["api"]["successRate"].get<double>(),
      r["api"]["rateLimited"].get<int64_t>());
  std::string lags;
  for (const auto& [topic, lag] : r["kafkaLag"].items()) {
    if (lag["max"].is_null()) {
      lags += fmt::format("  {} n/a", topic);
    } else {
      lags += fmt::format("  {} max {} mean {:.1f}", topic, lag["max"].get<int64_t>(),
                          lag["mean"].get<double>());
    }
  }
  text += "Kafka lag:" + (lags.empty() ? std::string(" n/a") : lags) + "\n";
  if (r.contains("capacity")) {
    const auto& c = r["capacity"];
    text += fmt::format("goodput {:.2f}/s = {:.1f}% of capacity {:.1f}/s",
                        c["goodputPerSecond"].get<double>(),
                        100 * c["goodputOfCapacity"].get<double>(), c["perSecond"].get<double>());
    if (c.contains("maxPerSecond")) {
      text += fmt::format("; busiest account: {} in a second (limit {}), {} in a minute (limit {})",
                          c["maxPerSecond"].get<int64_t>(), c["limitPerSecond"].get<double>(),
                          c["maxPerMinute"].get<int64_t>(), c["limitPerMinute"].get<double>());
    }
    text += "\n";
  }
  for (const auto& p : r["processes"]) {
    text += fmt::format("process {}: CPU {:.1f} s ({:.2f} cores), peak RSS {:.0f} MB\n",
                        p.value("name", "?"), p.value("cpuSeconds", 0.0), p.value("cpuCores", 0.0),
                        p.value("peakRssMb", 0.0));
  }
  for (const auto& c : r["verdict"]["checks"]) {
    text += fmt::format("[{}] {}: {}\n", c["passed"].get<bool>() ? "PASS" : "FAIL",
                        c["name"].get<std::string>(), c["detail"].get<std::string>());
  }
  return text;
}

}  // namespace tmon::bench
