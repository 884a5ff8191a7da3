#include "bench/scheduler_bench.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bench/services.h"
#include "bench/stats.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/subprocess.h"
#include "http/client.h"
#include "http/io_threads.h"
#include "llm/openai_client.h"
#include "schedule/scheduler.h"
#include "store/redis_client.h"

namespace tmon::bench {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

// One task's fate, as the benchmark saw it.
struct Sample {
  double submitted_s = 0;  // seconds since load start, when handed to the scheduler
  double finished_s = 0;
  messages::ResultStatus status = messages::ResultStatus::kOk;
  std::string code;
  double end_to_end_ms = 0;  // capture to result
  double llm_ms = 0;
  double queue_wait_ms = 0;
  double scheduler_ms = 0;  // time in the scheduler minus time at the provider
};

struct Instance {
  std::unique_ptr<http::IoThreads> io;
  std::unique_ptr<http::Client> http;
  std::unique_ptr<llm::LlmClient> llm;
  std::unique_ptr<schedule::Scheduler> scheduler;
  std::deque<messages::AssessmentTask> backlog;  // "Kafka": waits while the queue is full
};

}  // namespace

int run_scheduler_bench(const SchedulerBenchOptions& o) {
  const auto logger = get_logger("bench");
  const auto work_dir = std::filesystem::temp_directory_path() / ("tmon-bench-" + random_hex_id(4));
  std::vector<config::ApiKeyConfig> keys;
  config::Config config;
  MockAccounts mock_accounts;
  mock_accounts.accounts = o.accounts;
  mock_accounts.qps = o.qps;
  mock_accounts.rpm = o.rpm;
  mock_accounts.keys_per_account = o.keys_per_account;
  mock_accounts.latency_median_ms = o.latency_median_ms;
  mock_accounts.latency_sigma = o.latency_sigma;
  mock_accounts.threads = o.mock_threads;
  // The provider, in its own process as in production.
  auto mock = start_mock_provider(work_dir, mock_accounts, keys, config.accounts);
  if (!mock) return 1;
  const auto base_url = std::optional<std::string>(mock->base_url);
  std::optional<Subprocess> redis;
  std::string redis_url = o.redis_url;
  if (o.instances > 1 && redis_url.empty()) {
    redis = start_redis(redis_url);
    if (!redis) {
      std::cerr << "bench: could not start redis-server for shared limits\n";
      return 1;
    }
  }

  config.llm.base_url = *base_url;
  config.scheduler.max_concurrent_tasks = o.max_concurrent;
  config.scheduler.queue_size = o.queue_size;
  config.scheduler.timeout_seconds = o.timeout;
  config.pipeline.tasks.max_age_seconds = o.max_age;
  config.rate_limit.window_margin_ms = o.window_margin_ms;
  if (o.instances > 1) {
    config.rate_limit.backend = "redis";
    config.rate_limit.redis_url = redis_url;
    config.rate_limit.expected_instances = o.instances;
  }
  std::vector<Instance> instances(static_cast<size_t>(o.instances));
  for (int i = 0; i < o.instances; ++i) {
    auto& in = instances[static_cast<size_t>(i)];
    in.io = std::make_unique<http::IoThreads>(1);
    in.http = std::make_unique<http::Client>();
    in.llm = std::make_unique<llm::OpenAiCompatibleClient>(*http::Url::parse(*base_url), *in.http,
                                                           SystemClock::instance());
    auto scheduler =
        schedule::Scheduler::create(config, "bench-" + std::to_string(i + 1), keys,
                                    in.io->context(), *in.llm, SystemClock::instance());
    if (!scheduler) {
      std::cerr << "bench: " << scheduler.error().message << "\n";
      return 1;
    }
    in.scheduler = std::move(*scheduler);
    in.scheduler->start();
  }

  std::mutex mu;
  std::vector<Sample> samples;
  std::atomic<int64_t> finished{0};
  const Steady::time_point start = Steady::now();
  const auto since_start = [&] {
    return std::chrono::duration<double>(Steady::now() - start).count();
  };
  const std::string image = std::string(4000, 'A');  // a small crop's worth of base64
  const double capacity = mock_accounts.capacity_per_second();
  std::cout << fmt::format(
                   "bench scheduler: {} accounts x ({}/s, {}/min) = capacity {:.1f}/s, offered "
                   "{:.1f}/s for {}s, {} instance(s), mock latency median {} ms\n",
                   o.accounts, o.qps, o.rpm, capacity, o.offered, o.duration, o.instances,
                   o.latency_median_ms)
            << std::flush;

  const ProcessUsage usage_at_start = ProcessUsage::now();
  std::optional<ProcessUsage> usage_at_warmup;
  int64_t finished_at_warmup = 0;
  size_t max_in_flight = 0;
  int64_t created = 0;
  double next_progress = 5;
  const double interval = 1.0 / o.offered;
  while (true) {
    const double now_s = since_start();
    // Offer every task due by now, evenly spaced, camera by camera.
    while (now_s < o.duration && created < static_cast<int64_t>(now_s / interval) + 1) {
      messages::AssessmentTask task;
      task.taskId = "bench-" + std::to_string(created);
      task.cameraId = "cam-" + std::to_string(created % o.cameras);
      task.requestId = "req-" + std::to_string(created);
      task.groupId = task.taskId;
      task.captureTs = SystemClock::instance().epoch_ms();
      task.deadlineTs = task.captureTs + static_cast<int64_t>(o.max_age * 1000);
      task.imageBase64 = image;
      instances[static_cast<size_t>(created % o.cameras) % instances.size()].backlog.push_back(
          std::move(task));
      ++created;
    }
    size_t in_flight = 0;
    for (auto& in : instances) {
      auto& dispatcher = in.scheduler->dispatcher();
      while (!in.backlog.empty() && !dispatcher.saturated()) {
        const double submitted_s = since_start();
        dispatcher.submit(
            std::move(in.backlog.front()), [&, submitted_s](messages::AssessmentResult result) {
              Sample sample;
              sample.submitted_s = submitted_s;
              sample.finished_s = since_start();
              sample.status = result.status;
              sample.code = result.code;
              sample.end_to_end_ms =
                  static_cast<double>(SystemClock::instance().epoch_ms() - result.captureTs);
              sample.llm_ms = static_cast<double>(result.metadata.llmLatencyMs);
              sample.queue_wait_ms = static_cast<double>(result.metadata.queueWaitMs);
              sample.scheduler_ms = (sample.finished_s - submitted_s) * 1000.0 - sample.llm_ms;
              std::lock_guard lock(mu);
              samples.push_back(std::move(sample));
              ++finished;
            });
        in.backlog.pop_front();
      }
      in_flight += dispatcher.in_flight();
    }
    max_in_flight = std::max(max_in_flight, in_flight);
    if (!usage_at_warmup && now_s >= o.warmup) {
      usage_at_warmup = ProcessUsage::now();
      finished_at_warmup = finished;
    }
    if (now_s >= next_progress) {
      next_progress += 5;
      size_t backlog = 0;
      for (const auto& in : instances) backlog += in.backlog.size();
      std::cout << fmt::format("  t={:>4.0f}s offered={} finished={} in_flight={} backlog={}\n",
                               now_s, created, finished.load(), in_flight, backlog)
                << std::flush;
    }
    bool drained = now_s >= o.duration && finished == created;
    if (drained || now_s >= o.duration + o.max_age + o.timeout + 5) break;
    std::this_thread::sleep_for(
        std::chrono::microseconds(static_cast<int64_t>(std::min(5.0, interval * 1000) * 1000)));
  }
  const ProcessUsage usage_at_end = ProcessUsage::now();
  const double end_s = since_start();

  // The provider's view: the judge of every limit.
  const ProviderTally provider = ProviderTally::from_stats(fetch_json(mock->stats_url));
  for (auto& in : instances) {
    in.scheduler->stop(Millis(2000));
    in.io->stop();
  }

  // The steady window: from the end of the warmup to the end of the load.
  const double window_start = std::min(o.warmup, o.duration);
  const double window = std::max(1e-9, o.duration - window_start);
  int64_t ok_in_window = 0;
  std::map<std::string, int64_t> outcomes;
  std::vector<double> e2e, llm_ms, scheduler_ms, queue_wait;
  for (const auto& s : samples) {
    outcomes[s.status == messages::ResultStatus::kOk ? "ok" : s.code]++;
    if (s.status != messages::ResultStatus::kOk) continue;
    // Goodput counts successful calls by when they were sent, which is what
    // the provider's limits govern (completions lag by the latency).
    const double sent_s = s.finished_s - s.llm_ms / 1000.0;
    if (sent_s >= window_start && sent_s < o.duration) ++ok_in_window;
    e2e.push_back(s.end_to_end_ms);
    llm_ms.push_back(s.llm_ms);
    scheduler_ms.push_back(s.scheduler_ms);
    queue_wait.push_back(s.queue_wait_ms);
  }
  const int64_t rate_limited = provider.rate_limited;
  const json& accounts = provider.accounts;
  const double goodput = static_cast<double>(ok_in_window) / window;
  const auto& steady_usage = usage_at_warmup.value_or(usage_at_start);
  const int64_t completed_in_window = finished - finished_at_warmup;
  const double cpu_steady = usage_at_end.cpu_seconds - steady_usage.cpu_seconds;
  const json report{
      {"benchmark", "scheduler"},
      {"config",
       {{"accounts", o.accounts},
        {"qpsPerAccount", o.qps},
        {"rpmPerAccount", o.rpm},
        {"keysPerAccount", o.keys_per_account},
        {"latencyMedianMs", o.latency_median_ms},
        {"latencySigma", o.latency_sigma},
        {"offeredPerSecond", o.offered},
        {"durationSeconds", o.duration},
        {"warmupSeconds", o.warmup},
        {"cameras", o.cameras},
        {"instances", o.instances},
        {"maxConcurrent", o.max_concurrent},
        {"queueSize", o.queue_size},
        {"maxAgeSeconds", o.max_age},
        {"windowMarginMs", o.window_margin_ms}}},
      {"tasks", {{"offered", created}, {"finished", finished.load()}, {"byOutcome", outcomes}}},
      {"capacityPerSecond", capacity},
      {"goodputPerSecond", goodput},
      {"goodputOfCapacity", goodput / capacity},
      {"provider", {{"rateLimited", rate_limited}, {"accounts", accounts}}},
      {"latencyMs",
       {{"endToEnd", Distribution::of(e2e).to_json()},
        {"llm", Distribution::of(llm_ms).to_json()},
        {"schedulerAdded", Distribution::of(scheduler_ms).to_json()},
        {"queueWait", Distribution::of(queue_wait).to_json()}}},
      {"maxInFlight", max_in_flight},
      {"process",
       {{"cpuSeconds", usage_at_end.cpu_seconds - usage_at_start.cpu_seconds},
        {"cpuSecondsPer1000Tasks",
         completed_in_window > 0 ? cpu_steady * 1000.0 / static_cast<double>(completed_in_window)
                                 : 0.0},
        {"peakRssMb", static_cast<double>(usage_at_end.peak_rss_kb) / 1024.0}}},
      {"wallSeconds", end_s},
  };
  std::cout << fmt::format(
      "result: goodput {:.2f}/s = {:.1f}% of capacity (steady window {:.0f}s), "
      "429s from the provider: {}, outcomes {}\n"
      "        scheduler-added latency p50 {:.2f} ms p99 {:.2f} ms, max in flight {}, "
      "CPU {:.3f} s per 1000 tasks, peak RSS {:.0f} MB\n",
      goodput, 100 * goodput / capacity, window, rate_limited, json(outcomes).dump(),
      Distribution::of(scheduler_ms).p50, Distribution::of(scheduler_ms).p99, max_in_flight,
      report["process"]["cpuSecondsPer1000Tasks"].get<double>(),
      report["process"]["peakRssMb"].get<double>());
  for (const auto& [name, account] : accounts.items()) {
    std::cout << fmt::format(
        "        {}: max {} in any second (limit {}), {} in any minute "
        "(limit {})\n",
        name, account["maxPerSecond"].get<int64_t>(), o.qps, account["maxPerMinute"].get<int64_t>(),
        o.rpm);
  }
  if (!o.report_file.empty()) write_report(o.report_file, report);
  std::error_code ignored;
  std::filesystem::remove_all(work_dir, ignored);
  return 0;
}

}  // namespace tmon::bench
