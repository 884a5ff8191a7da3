#include "bench/scheduler_bench.h"

#include <fmt/format.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "bench/scheduler_bench_load.h"
#include "bench/services.h"
#include "bench/stats.h"
#include "common/ids.h"
#include "schedule/scheduler_runtime.h"

namespace tmon::bench {
namespace {

using nlohmann::json;

struct Instance {
  std::unique_ptr<schedule::SchedulerRuntime> runtime;
  std::deque<messages::AssessmentTask> backlog;  // "Kafka": waits while the queue is full
};

Result<std::unique_ptr<schedule::SchedulerRuntime>> start_instance(
    const schedule::SchedulerSections& config, int index,
    const std::vector<config::ApiKeyConfig>& keys, const std::string& base_url) {
  auto runtime = schedule::SchedulerRuntime::create(config, "bench-" + std::to_string(index + 1),
                                                    keys, base_url, SystemClock::instance());
  if (runtime) (*runtime)->start();
  return runtime;
}

schedule::SchedulerSections scheduler_config(const SchedulerBenchOptions& o,
                                             const std::string& base_url,
                                             const std::string& redis_url) {
  schedule::SchedulerSections config;
  config.llm.base_url = base_url;
  if (!o.fallback_model.empty()) config.llm.fallback_models = {o.fallback_model};
  config.scheduler.max_concurrent_tasks = o.max_concurrent;
  config.scheduler.queue_size = o.queue_size;
  config.scheduler.timeout_seconds = o.timeout;
  config.scheduler.disabled_probe_seconds = o.probe_seconds;
  config.task_max_age_seconds = o.max_age;
  config.rate_limit.window_margin_ms = o.window_margin_ms;
  if (!redis_url.empty()) {
    config.rate_limit.backend = "redis";
    config.rate_limit.redis_url = redis_url;
    config.rate_limit.expected_instances = o.instances;
  }
  return config;
}

}  // namespace

int run_scheduler_bench(const SchedulerBenchOptions& o) {
  Clock& clock = SystemClock::instance();
  const auto work_dir = std::filesystem::temp_directory_path() / ("tmon-bench-" + random_hex_id(4));
  std::vector<config::ApiKeyConfig> keys;
  std::vector<config::AccountConfig> accounts;
  MockAccounts mock_accounts;
  mock_accounts.accounts = o.accounts;
  mock_accounts.qps = o.qps;
  mock_accounts.rpm = o.rpm;
  mock_accounts.tpm = o.tpm;
  mock_accounts.keys_per_account = o.keys_per_account;
  mock_accounts.latency_median_ms = o.latency_median_ms;
  mock_accounts.latency_sigma = o.latency_sigma;
  mock_accounts.threads = o.mock_threads;
  mock_accounts.arrival_jitter_ms = o.jitter_ms;
  // The provider, in its own process as in production.
  auto mock = start_mock_provider(work_dir, mock_accounts, keys, accounts);
  if (!mock) return 1;
  const std::string admin_base = mock->stats_url.substr(0, mock->stats_url.rfind("/__stats"));
  std::optional<Subprocess> redis;
  std::string redis_url = o.redis_url;
  if ((o.instances > 1 || o.restart_at > 0) && redis_url.empty()) {
    redis = start_redis(redis_url);
    if (!redis) {
      std::cerr << "bench: could not start redis-server for shared limits\n";
      return 1;
    }
  }
  schedule::SchedulerSections config = scheduler_config(o, mock->base_url, redis_url);
  config.accounts = accounts;
  std::vector<Instance> instances(static_cast<size_t>(o.instances));
  for (int i = 0; i < o.instances; ++i) {
    auto runtime = start_instance(config, i, keys, mock->base_url);
    if (!runtime) {
      std::cerr << "bench: " << runtime.error().message << "\n";
      return 1;
    }
    instances[static_cast<size_t>(i)].runtime = std::move(*runtime);
  }

  const double capacity = schedule::capacity_per_second(keys, accounts);
  std::cout << fmt::format(
                   "bench scheduler: {} accounts x ({}/s, {}/min{}) = capacity {:.1f}/s, offered "
                   "{:.1f}/s for {}s, {} instance(s), mock latency median {} ms{}\n",
                   o.accounts, o.qps, o.rpm, o.tpm > 0 ? fmt::format(", {} tokens/min", o.tpm) : "",
                   capacity, o.offered, o.duration, o.instances, o.latency_median_ms,
                   o.jitter_ms > 0 ? fmt::format(", arrival jitter 0-{} ms", o.jitter_ms) : "")
            << std::flush;

  LoadTracker load(o, clock);
  TaskFactory tasks(o, clock);
  FaultScript faults(o, admin_base, keys, config.llm.model);
  const ProcessUsage usage_at_start = ProcessUsage::now();
  std::optional<ProcessUsage> usage_at_warmup;
  std::optional<json> stats_at_warmup, stats_at_end, stats_at_restart;
  bool restarted = false;
  size_t max_in_flight = 0;
  double next_progress = 5;
  while (true) {
    const double now_s = load.elapsed_s();
    while (now_s < o.duration && tasks.due(now_s)) {
      auto task = tasks.next();
      instances[tasks.instance_of(task, instances.size())].backlog.push_back(std::move(task));
    }
    if (o.restart_at > 0 && !restarted && now_s >= o.restart_at) {
      // A restart: every instance stops (what it had not answered is replayed
      // from "Kafka") and comes back; the margin it learned waits in Redis.
      restarted = true;
      stats_at_restart = fetch_json(mock->stats_url);
      for (size_t i = 0; i < instances.size(); ++i) {
        instances[i].runtime->stop(Millis(0));
        instances[i].runtime.reset();
        for (auto& task : load.unanswered(static_cast<int>(i))) {
          instances[i].backlog.push_front(std::move(task));
        }
        auto runtime = start_instance(config, static_cast<int>(i), keys, mock->base_url);
        if (!runtime) return 1;
        instances[i].runtime = std::move(*runtime);
      }
    }
    size_t in_flight = 0;
    for (size_t i = 0; i < instances.size(); ++i) {
      auto& in = instances[i];
      auto& dispatcher = in.runtime->scheduler().dispatcher();
      while (!in.backlog.empty() && !dispatcher.saturated()) {
        load.submit(dispatcher, static_cast<int>(i), std::move(in.backlog.front()));
        in.backlog.pop_front();
      }
      in_flight += dispatcher.in_flight();
    }
    max_in_flight = std::max(max_in_flight, in_flight);
    faults.step(now_s, instances.front().runtime->scheduler());
    if (!usage_at_warmup && now_s >= o.warmup) {
      usage_at_warmup = ProcessUsage::now();
      stats_at_warmup = fetch_json(mock->stats_url);
      load.mark_warmup();
    }
    if (!stats_at_end && now_s >= o.duration) stats_at_end = fetch_json(mock->stats_url);
    if (now_s >= next_progress) {
      next_progress += 5;
      size_t backlog = 0;
      for (const auto& in : instances) backlog += in.backlog.size();
      std::cout
          << fmt::format(
                 "  t={:>4.0f}s offered={} finished={} in_flight={} backlog={} margin={} ms\n",
                 now_s, tasks.created(), load.finished(), in_flight, backlog,
                 instances.front().runtime->scheduler().keys().margin().count())
          << std::flush;
    }
    const bool drained = now_s >= o.duration && load.finished() == tasks.created();
    if (drained || now_s >= o.duration + o.max_age + o.timeout + 5) break;
    InterruptibleSleep(clock).sleep_for(
        std::chrono::microseconds(static_cast<int64_t>(std::min(5.0, 1000.0 / o.offered) * 1000)));
  }
  const ProcessUsage usage_at_end = ProcessUsage::now();
  const json final_stats = fetch_json(mock->stats_url);
  const Millis margin = instances.front().runtime->scheduler().keys().margin();
  for (auto& in : instances) in.runtime->stop(Millis(2000));

  SchedulerBenchReport report(o, capacity, load, faults);
  report.offered(tasks.created());
  report.provider(stats_at_warmup.value_or(json::object()), stats_at_end.value_or(final_stats),
                  final_stats, stats_at_restart);
  report.process(usage_at_start, usage_at_warmup.value_or(usage_at_start), usage_at_end,
                 max_in_flight, margin);
  report.print(std::cout);
  if (!o.report_file.empty()) write_report(o.report_file, report.json_report());
  std::error_code ignored;
  std::filesystem::remove_all(work_dir, ignored);
  return 0;
}

}  // namespace tmon::bench
