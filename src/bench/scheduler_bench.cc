#include "bench/scheduler_bench.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

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

std::string write_keys_file(const std::filesystem::path& dir, const SchedulerBenchOptions& o,
                            std::vector<config::ApiKeyConfig>& keys,
                            std::vector<config::AccountConfig>& accounts) {
  std::ostringstream yaml;
  yaml << "accounts:\n";
  for (int a = 1; a <= o.accounts; ++a) {
    accounts.push_back({"acct-" + std::to_string(a), o.qps, o.rpm, 0});
    yaml << "  - {name: acct-" << a << ", qps_limit: " << o.qps << ", rpm_limit: " << o.rpm
         << "}\n";
  }
  yaml << "api_keys:\n";
  for (int a = 1; a <= o.accounts; ++a) {
    for (int k = 1; k <= o.keys_per_account; ++k) {
      config::ApiKeyConfig key;
      key.id = fmt::format("key-{}-{}", a, k);
      key.key = "bench-" + random_hex_id(16);
      key.account = "acct-" + std::to_string(a);
      keys.push_back(key);
      yaml << "  - {id: " << key.id << ", key: " << key.key << ", account: " << key.account
           << "}\n";
    }
  }
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "api_keys.yaml") << yaml.str();
  return dir.string();
}

std::optional<Subprocess> start_redis(std::string& url) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int port = 20000 + static_cast<int>(std::hash<std::string>{}(random_hex_id()) % 40000);
    auto redis = Subprocess::start({"redis-server", "--port", std::to_string(port), "--bind",
                                    "127.0.0.1", "--save", "", "--appendonly", "no"});
    if (!redis) continue;
    store::RedisClient client(
        *store::RedisAddress::parse("redis://127.0.0.1:" + std::to_string(port)), Millis(200));
    for (int i = 0; i < 50; ++i) {
      if (client.ping()) {
        url = "redis://127.0.0.1:" + std::to_string(port) + "/0";
        return redis;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return std::nullopt;
}

json fetch_json(http::Client& client, http::IoThreads& io, const std::string& url) {
  auto parsed = http::Url::parse(url);
  if (!parsed) return json::object();
  auto future = boost::asio::co_spawn(
      io.context(),
      client.send(*parsed, http::Request{http::Verb::get, parsed->path, 11}, Millis(5000)),
      boost::asio::use_future);
  auto response = future.get();
  if (!response) return json::object();
  return json::parse(response->body(), nullptr, false);
}

}  // namespace

int run_scheduler_bench(const SchedulerBenchOptions& o) {
  const auto logger = get_logger("bench");
  const auto work_dir = std::filesystem::temp_directory_path() / ("tmon-bench-" + random_hex_id(4));
  std::vector<config::ApiKeyConfig> keys;
  config::Config config;
  write_keys_file(work_dir, o, keys, config.accounts);
  config.api_keys = keys;

  // The provider, in its own process as in production.
  auto mock = Subprocess::start(
      {self_executable(), "mock-llm", "--config-dir", work_dir.string(), "--latency-median-ms",
       std::to_string(o.latency_median_ms), "--latency-sigma", std::to_string(o.latency_sigma),
       "--threads", std::to_string(o.mock_threads)},
      (work_dir / "mock-llm.log").string());
  const auto base_url = mock ? mock->read_line(std::chrono::seconds(15)) : std::nullopt;
  if (!base_url) {
    std::cerr << "bench: mock-llm did not start (see " << (work_dir / "mock-llm.log") << ")\n";
    return 1;
  }
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
  const double capacity = o.accounts * std::min(o.qps, o.rpm / 60.0);
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
  http::IoThreads probe_io(1);
  http::Client probe;
  auto stats_url = *http::Url::parse(*base_url);
  const json provider = fetch_json(probe, probe_io,
                                   stats_url.scheme + "://" + stats_url.host + ":" +
                                       std::to_string(stats_url.port) + "/__stats");
  probe_io.stop();
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
  int64_t rate_limited = 0;
  json accounts = json::object();
  if (provider.is_object() && provider.contains("accounts")) {
    for (const auto& [name, account] : provider["accounts"].items()) {
      rate_limited += account.value("rateLimited", int64_t{0});
      accounts[name] = {{"ok", account.value("ok", 0)},
                        {"rateLimited", account.value("rateLimited", 0)},
                        {"maxPerSecond", account.value("maxPerSecond", 0)},
                        {"maxPerMinute", account.value("maxPerMinute", 0)}};
    }
  }
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
