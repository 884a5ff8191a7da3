#include "bench/pipeline_bench.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench/html_report.h"
#include "bench/pipeline_observer.h"
#include "bench/pipeline_report.h"
#include "bench/progress.h"
#include "bench/stats.h"
#include "bench/tracking_counts.h"
#include "bus/producer.h"
#include "bus/topic_tail.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/logging.h"
#include "detect/synthetic_camera.h"
#include "messages/codec.h"
#include "runtime/pipeline.h"

namespace tmon::bench {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr const char* kCameraPrefix = "bench-";

std::string camera_id(int index) {
  return fmt::format("{}{:04}", kCameraPrefix, index + 1);
}

std::string sim_url(int index) {
  return fmt::format("sim://?seed={}", index + 1);
}

// The services the pipeline needs when the benchmark runs it in-process.
struct LocalServices {
  std::optional<MockProvider> mock;
  std::optional<Subprocess> redis;
  std::optional<Subprocess> broker;
};

// Synthetic detection-results at the cameras' rate, from threads of their
// own; cameras are spread evenly over the interval so that load is smooth.
class SyntheticLoad {
 public:
  SyntheticLoad(const config::KafkaConfig& kafka, const config::DetectionConfig& detection,
                int cameras, double interval, int threads)
      : kafka_(kafka),
        detection_(detection),
        cameras_(cameras),
        interval_(interval),
        threads_(threads) {}
  ~SyntheticLoad() { stop(); }

  Status start(double duration) {
    auto producer = bus::Producer::create(kafka_, "tmon-bench-load");
    if (!producer) return tl::unexpected(producer.error());
    producer_ = std::move(*producer);
    const auto start = SystemClock::instance().now();
    const auto end = start + std::chrono::duration_cast<Steady::duration>(
                                 std::chrono::duration<double>(duration));
    const int threads = std::clamp(threads_, 1, cameras_);
    for (int t = 0; t < threads; ++t) {
      workers_.emplace_back([this, t, threads, start, end] { run(t, threads, start, end); });
    }
    return {};
  }

  void stop() {
    stopping_ = true;
    for (auto& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
    workers_.clear();
    if (producer_) (void)producer_->flush(Millis(10'000));
  }

  int64_t produced() const { return produced_; }
  double max_late_ms() const { return max_late_ms_; }

 private:
  void run(int thread, int threads, Steady::time_point start, Steady::time_point end) {
    // One picture for every camera of the thread: crops only need pixels.
    detect::SimOptions first;
    first.seed = static_cast<uint64_t>(thread + 1);
    const auto backdrop = std::make_shared<const cv::Mat>(detect::SimScene(first).render());
    std::vector<std::pair<int, std::unique_ptr<detect::SyntheticCamera>>> cameras;
    for (int i = thread; i < cameras_; i += threads) {
      detect::SimOptions scene;
      scene.seed = static_cast<uint64_t>(i + 1);
      cameras.emplace_back(
          i, std::make_unique<detect::SyntheticCamera>(camera_id(i), scene, detection_, backdrop));
    }
    const std::string& topic = kafka_.topics.detection_results.name;
    for (int64_t round = 0; !stopping_; ++round) {
      for (auto& [index, camera] : cameras) {
        const double offset =
            interval_ * (static_cast<double>(round) + static_cast<double>(index) / cameras_);
        const auto due = start + std::chrono::duration_cast<Steady::duration>(
                                     std::chrono::duration<double>(offset));
        if (due >= end || stopping_) return;
        std::this_thread::sleep_until(due);
        const double late_ms =
            std::chrono::duration<double, std::milli>(SystemClock::instance().now() - due).count();
        if (late_ms > max_late_ms_) max_late_ms_ = late_ms;
        const auto frame = camera->next(interval_, SystemClock::instance().epoch_ms());
        auto sent = producer_->send(topic, frame.cameraId, messages::encode(frame),
                                    [](Result<bus::DeliveredOffset> delivered) {
                                      if (!delivered) {
                                        get_logger("bench")->warn("frame not delivered: {}",
                                                                  delivered.error().message);
                                      }
                                    });
        if (sent) ++produced_;
      }
    }
  }

  const config::KafkaConfig& kafka_;
  const config::DetectionConfig& detection_;
  int cameras_;
  double interval_;
  int threads_;
  std::unique_ptr<bus::Producer> producer_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> produced_{0};
  std::atomic<double> max_late_ms_{0};
};

// Cameras added to a running `tmon detect` / `tmon up` through its API.
class RemoteCameras {
 public:
  // `token`: the API's admin token (api.admin_token / TMON_ADMIN_TOKEN).
  RemoteCameras(std::string api_url, std::string token)
      : api_url_(std::move(api_url)), token_(std::move(token)) {}
  ~RemoteCameras() { remove_all(); }

  Status add(int cameras, double interval) {
    for (int i = 0; i < cameras; ++i) {
      const json body{{"cameraId", camera_id(i)}, {"url", sim_url(i)}, {"frameInterval", interval}};
      const auto reply = http_call("POST", api_url_ + "/api/cameras", body.dump(), token_);
      if (reply.status != 201) {
        return make_error(ErrorCode::kUnavailable,
                          fmt::format("adding camera {} at {}: HTTP {} {}", camera_id(i), api_url_,
                                      reply.status, reply.body));
      }
      added_.push_back(camera_id(i));
    }
    return {};
  }

  void remove_all() {
    for (const auto& id : added_) http_call("DELETE", api_url_ + "/api/cameras/" + id, "", token_);
    added_.clear();
  }

 private:
  std::string api_url_;
  std::string token_;
  std::vector<std::string> added_;
};

// CPU and memory of the processes that make up the pipeline under test.
struct WatchedProcess {
  std::string name;
  int pid = 0;  // 0: this process
  ProcessUsage at_start;
};

std::optional<ProcessUsage> usage_of(const WatchedProcess& process) {
  return process.pid == 0 ? std::optional(ProcessUsage::now()) : ProcessUsage::of(process.pid);
}

double rss_mb_of(const std::vector<WatchedProcess>& processes, bool in_process) {
  // In-process, the pipeline is this process; otherwise the services' sum.
  int64_t kb = 0;
  for (const auto& process : processes) {
    if (in_process ? process.pid != 0 : process.pid == 0) continue;
    if (const auto usage = usage_of(process)) kb += usage->rss_kb;
  }
  return static_cast<double>(kb) / 1024.0;
}

json usage_report(const std::vector<WatchedProcess>& processes, double wall_s) {
  json list = json::array();
  for (const auto& process : processes) {
    const auto now = usage_of(process);
    if (!now) continue;
    const double cpu = now->cpu_seconds - process.at_start.cpu_seconds;
    list.push_back({{"name", process.name},
                    {"pid", process.pid == 0 ? static_cast<int>(getpid()) : process.pid},
                    {"cpuSeconds", cpu},
                    {"cpuCores", wall_s > 0 ? cpu / wall_s : 0.0},
                    {"peakRssMb", static_cast<double>(now->peak_rss_kb) / 1024.0},
                    {"rssMbStart", static_cast<double>(process.at_start.rss_kb) / 1024.0},
                    {"rssMbEnd", static_cast<double>(now->rss_kb) / 1024.0}});
  }
  return list;
}

// Capacity of the provider accounts the mock reports: sum of min(qps, rpm/60).
double capacity_from_limits(const json& stats, double& per_second, double& per_minute) {
  double capacity = 0;
  if (!stats.contains("limits")) return 0;
  for (const auto& [name, limits] : stats["limits"].items()) {
    const double qps = limits.value("perSecond", 0.0);
    const double rpm = limits.value("perMinute", 0.0);
    per_second = std::max(per_second, qps);
    per_minute = std::max(per_minute, rpm);
    capacity += std::min(qps > 0 ? qps : 1e9, rpm > 0 ? rpm / 60.0 : 1e9);
  }
  return capacity;
}

double capacity_from_config(const std::vector<config::AccountConfig>& accounts,
                            const std::vector<config::ApiKeyConfig>& keys, double& per_second,
                            double& per_minute) {
  double capacity = 0;
  for (const auto& account : accounts) {
    per_second = std::max(per_second, account.qps_limit);
    per_minute = std::max(per_minute, static_cast<double>(account.rpm_limit));
    capacity += std::min(account.qps_limit, account.rpm_limit / 60.0);
  }
  for (const auto& key : keys) {
    if (!key.enabled || !key.account.empty()) continue;  // own account: its key limits
    capacity += std::min(key.qps_limit, key.rpm_limit / 60.0);
  }
  return capacity;
}

json config_report(const PipelineBenchOptions& o, const config::Config& config, double interval,
                   double warmup, bool in_process) {
  json c{{"mode", o.detections_only ? "detections-only" : "full"},
         {"cameras", o.cameras},
         {"durationSeconds", o.duration},
         {"warmupSeconds", warmup},
         {"frameIntervalSeconds", interval},
         {"offeredFramesPerSecond", o.cameras / interval},
         {"services", in_process
                          ? "stages in-process; tmon broker, redis-server, mock-llm as processes"
                          : "running services"},
         {"llm", o.provider ? "provider" : "mock"},
         {"maxAgeSeconds", config.pipeline.tasks.max_age_seconds},
         {"partitions", config.kafka.topics.detection_results.partitions},
         {"schedulerMaxConcurrent", config.scheduler.max_concurrent_tasks},
         {"schedulerQueueSize", config.scheduler.queue_size},
         {"detector", config.pipeline.detection.detector},
         {"trackFps", config.pipeline.detection.track_fps},
         {"trackingNice", config.pipeline.detection.tracking_nice}};
  if (!o.provider && in_process) {
    c["mock"] = {{"accounts", o.mock.accounts},
                 {"qpsPerAccount", o.mock.qps},
                 {"rpmPerAccount", o.mock.rpm},
                 {"keysPerAccount", o.mock.keys_per_account},
                 {"latencyMedianMs", o.mock.latency_median_ms},
                 {"latencySigma", o.mock.latency_sigma},
                 {"errorRate", o.mock.error_rate}};
  }
  return c;
}

std::string html_path_for(const std::string& report_file) {
  std::filesystem::path path(report_file);
  path.replace_extension(".html");
  return path.string();
}

}  // namespace

int run_pipeline_bench(const PipelineBenchOptions& o, config::Config config) {
  const bool in_process = o.brokers.empty();
  if (!in_process && o.redis_url.empty()) {
    std::cerr << "bench: against running services, give --redis-url as well as --brokers\n";
    return 2;
  }
  if (!in_process && !o.detections_only && o.api_url.empty()) {
    std::cerr << "bench: the full mode against running services adds its cameras through the "
                 "API: give --api-url (or use --detections-only)\n";
    return 2;
  }
  if (o.provider && config.api_keys.empty()) {
    std::cerr << "bench: --provider needs API keys in " << config.config_dir << "/api_keys.yaml\n";
    return 2;
  }
  const double interval =
      o.interval > 0 ? o.interval : config.pipeline.detection.frame_interval_seconds;
  const double warmup =
      o.warmup >= 0 ? std::min(o.warmup, o.duration) : std::min(30.0, o.duration / 10);
  if (o.max_age > 0) config.pipeline.tasks.max_age_seconds = o.max_age;
  if (o.max_concurrent > 0) config.scheduler.max_concurrent_tasks = o.max_concurrent;
  if (o.queue_size > 0) config.scheduler.queue_size = o.queue_size;
  if (o.tracking_nice >= 0) config.pipeline.detection.tracking_nice = o.tracking_nice;
  const auto work_dir = std::filesystem::temp_directory_path() / ("tmon-bench-" + random_hex_id(4));
  std::filesystem::create_directories(work_dir);

  // The services: started here, or those given.
  LocalServices local;
  std::vector<WatchedProcess> processes;
  std::string redis_url = o.redis_url;
  if (in_process) {
    if (!o.provider) {
      config.api_keys.clear();
      config.accounts.clear();
      local.mock = start_mock_provider(work_dir, o.mock, config.api_keys, config.accounts);
      if (!local.mock) return 2;
      config.llm.base_url = local.mock->base_url;
      processes.push_back({"mock-llm (the provider)", local.mock->process.pid(), {}});
    }
    if (redis_url.empty()) {
      local.redis = start_redis(redis_url);
      if (!local.redis) {
        std::cerr << "bench: could not start redis-server (scripts/setup.sh installs it)\n";
        return 2;
      }
      processes.push_back({"redis-server", local.redis->pid(), {}});
    }
    std::string bootstrap;
    local.broker = start_broker(o.config_dir.empty() ? work_dir.string() : o.config_dir,
                                config.kafka.embedded_brokers, work_dir / "broker.log", bootstrap);
    if (!local.broker) return 2;
    config.kafka.bootstrap_servers = bootstrap;
    // The broker keeps every message in memory (it has no retention), so it
    // grows by design: its own line, not the pipeline's.
    processes.push_back({"tmon broker (embedded, keeps every message)", local.broker->pid(), {}});
    // The in-memory broker answers a fetch only when its wait expires: as kafka.yaml ships.
    config.kafka.consumer.fetch_wait_max_ms = std::min(config.kafka.consumer.fetch_wait_max_ms, 5);
  } else {
    config.kafka.bootstrap_servers = o.brokers;
  }
  config.pipeline.redis.url = redis_url;
  processes.insert(processes.begin(),
                   {in_process ? "tmon bench (the pipeline's stages, load and observer)"
                               : "tmon bench (load and observer)",
                    0,
                    {}});
  for (const int pid : o.watch_pids) processes.push_back({fmt::format("pid {}", pid), pid, {}});

  // The observer first: it sees everything from here on.
  PipelineObserver::Options watch{config.kafka, redis_url, kCameraPrefix};
  auto observer = PipelineObserver::start(watch);
  if (!observer) {
    std::cerr << "bench: " << observer.error().message << "\n";
    return 2;
  }
  const auto& topics = config.kafka.topics;
  const auto& groups = config.kafka.consumer;
  auto lag_probe = bus::GroupLagProbe::open(
      config.kafka, {{groups.group_generate, topics.detection_results.name},
                     {groups.group_schedule, topics.assessment_tasks.name},
                     {groups.group_aggregate, topics.risk_assessment_results.name}});
  if (!lag_probe) {
    std::cerr << "bench: lag probe: " << lag_probe.error().message << "\n";
    return 2;
  }

  // The stages, when run here: as separate pipelines so that the intake
  // (cameras) can stop first and the stages drain what it sent.
  auto config_of = [&](bool with_cameras) {
    auto copy = std::make_shared<config::Config>(config);
    copy->pipeline.cameras.clear();
    if (with_cameras) {
      for (int i = 0; i < o.cameras; ++i) {
        config::CameraConfig camera;
        camera.id = camera_id(i);
        camera.url = sim_url(i);
        camera.frame_interval_seconds = interval;
        copy->pipeline.cameras.push_back(camera);
      }
    }
    return config::ConfigPtr(std::move(copy));
  };
  std::unique_ptr<runtime::Pipeline> stages;
  std::unique_ptr<runtime::Pipeline> cameras;
  if (in_process) {
    runtime::PipelineRoles roles;
    roles.generate = roles.schedule = roles.aggregate = true;
    roles.instance_id = "bench-scheduler-1";
    roles.ops_port = 0;
    auto started = runtime::Pipeline::start(config_of(false), roles, SystemClock::instance());
    if (!started) {
      std::cerr << "bench: pipeline: " << started.error().message << "\n";
      return 2;
    }
    stages = std::move(*started);
  }
  for (auto& process : processes) {
    if (auto usage = usage_of(process)) process.at_start = *usage;
  }

  std::cout << fmt::format(
                   "tmon bench: {} cameras, a frame every {:.1f} s ({:.1f} frames/s), {} for "
                   "{:.0f} s (warm-up {:.0f} s), {}, LLM: {}\n",
                   o.cameras, interval, o.cameras / interval,
                   o.detections_only ? "synthetic detections" : "rendered and detected", o.duration,
                   warmup, in_process ? "in-process" : "running services at " + o.brokers,
                   o.provider ? config.llm.base_url
                              : fmt::format("mock, {} accounts x ({}/s, {}/min), median {} ms",
                                            o.mock.accounts, o.mock.qps, o.mock.rpm,
                                            o.mock.latency_median_ms))
            << std::flush;

  // The load.
  const int64_t load_start_ms = SystemClock::instance().epoch_ms();
  const auto load_start = SystemClock::instance().now();
  std::unique_ptr<SyntheticLoad> synthetic;
  std::unique_ptr<RemoteCameras> remote;
  Status load_started;
  if (o.detections_only) {
    synthetic = std::make_unique<SyntheticLoad>(config.kafka, config.pipeline.detection, o.cameras,
                                                interval, o.load_threads);
    load_started = synthetic->start(o.duration);
  } else if (in_process) {
    runtime::PipelineRoles roles;
    roles.detect = true;
    roles.instance_id = "bench-detect";
    roles.ops_port = 0;
    auto started = runtime::Pipeline::start(config_of(true), roles, SystemClock::instance());
    if (started)
      cameras = std::move(*started);
    else
      load_started = tl::unexpected(started.error());
  } else {
    remote = std::make_unique<RemoteCameras>(o.api_url, config.pipeline.api.admin_token);
    load_started = remote->add(o.cameras, interval);
  }
  if (!load_started) {
    std::cerr << "bench: load: " << load_started.error().message << "\n";
    return 2;
  }

  // Sampling: one timeline point per second, during the load and the drain.
  PipelineRun run;
  ProgressDisplay progress(o.progress_bar);
  const auto seconds_since_start = [&] {
    return std::chrono::duration<double>(SystemClock::instance().now() - load_start).count();
  };
  const auto sample = [&] {
    TimelineSample point;
    point.t = seconds_since_start();
    point.totals = (*observer)->totals();
    const auto lags = (*lag_probe)->lag(Millis(1'000));
    for (size_t i = 0; i < lags.size(); ++i) {
      point.lag[(*lag_probe)->watches()[i].topic] = lags[i];
    }
    point.rss_mb = rss_mb_of(processes, in_process);
    run.timeline.push_back(point);
    return point;
  };
  const auto figures = [&](const TimelineSample& point) {
    const TimelineSample before =
        run.timeline.size() > 1 ? run.timeline[run.timeline.size() - 2] : TimelineSample{};
    int64_t max_lag = 0;
    for (const auto& [topic, lag] : point.lag) max_lag = std::max(max_lag, lag.value_or(0));
    return fmt::format(
        "t={:.0f}s frames {} ({:.0f}/s) tasks {} results {} ok {} in flight {} lag {} RSS {:.0f} "
        "MB",
        point.t, point.totals.frames,
        static_cast<double>(point.totals.frames - before.totals.frames) /
            std::max(1e-9, point.t - before.t),
        point.totals.tasks, point.totals.results, point.totals.ok_results, point.totals.in_flight(),
        max_lag, point.rss_mb);
  };
  // Tracking frames run and given up by the cameras, over the steady window.
  const std::string detect_ops = cameras ? cameras->ops_url() : "";
  std::optional<std::pair<double, TrackingCounts>> tracking_at_warmup;
  std::optional<std::pair<double, TrackingCounts>> tracking_at_end;
  const auto scrape_tracking = [&]() -> std::optional<std::pair<double, TrackingCounts>> {
    if (detect_ops.empty()) return std::nullopt;  // no detect process of ours
    const auto counts = scrape_tracking_counts(detect_ops + "/metrics");
    if (!counts) return std::nullopt;
    return std::pair{seconds_since_start(), *counts};
  };
  for (int second = 1; second <= static_cast<int>(std::ceil(o.duration)); ++second) {
    std::this_thread::sleep_until(load_start + std::chrono::seconds(second));
    const auto point = sample();
    progress.update(point.t, point.t / o.duration, figures(point));
    // Before the history moves past them: frames stored behind newer ones.
    if (second % 5 == 0) (*observer)->look_up_stored_views(5'000, false);
    if (second == static_cast<int>(std::ceil(warmup))) tracking_at_warmup = scrape_tracking();
  }
  tracking_at_end = scrape_tracking();

  // Intake stops; the stages drain: every task gets its result, every
  // frame its view, every group catches up.
  if (synthetic) synthetic->stop();
  if (cameras) cameras->stop();
  if (remote) remote->remove_all();
  const double drain_timeout = o.drain_timeout > 0
                                   ? o.drain_timeout
                                   : config.pipeline.tasks.max_age_seconds +
                                         config.scheduler.timeout_seconds +
                                         config.pipeline.aggregation.partial_timeout_seconds + 10;
  progress.note(fmt::format("\nload over after {:.0f} s; draining (up to {:.0f} s)",
                            seconds_since_start(), drain_timeout));
  const auto drain_end =
      SystemClock::instance().now() +
      std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(drain_timeout));
  while (SystemClock::instance().now() < drain_end) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const auto point = sample();
    progress.update(point.t, 1.0, figures(point));
    bool caught_up = true;
    for (const auto& [topic, lag] : point.lag) caught_up = caught_up && lag == 0;
    (*observer)->look_up_stored_views(0, false);
    if (caught_up && (*observer)->unsettled().settled()) break;
  }
  (*observer)->look_up_stored_views(0, true);
  progress.finish();
  run.wall_s = seconds_since_start();
  run.processes = usage_report(processes, run.wall_s);

  // The provider's own counts, before it stops.
  json provider_stats;
  if (local.mock)
    provider_stats = fetch_json(local.mock->stats_url);
  else if (!o.mock_stats_url.empty())
    provider_stats = fetch_json(o.mock_stats_url);
  (*observer)->stop();
  if (stages) stages->stop();

  run.config = config_report(o, config, interval, warmup, in_process);
  run.load_start_ms = load_start_ms;
  run.duration_s = o.duration;
  run.warmup_s = warmup;
  run.frames_produced = synthetic ? synthetic->produced() : -1;
  run.frames = (*observer)->frames();
  run.tasks = (*observer)->tasks();
  run.totals = (*observer)->totals();
  if (provider_stats.contains("accounts")) {
    run.provider = ProviderTally::from_stats(provider_stats);
    run.capacity_per_second =
        capacity_from_limits(provider_stats, run.limit_per_second, run.limit_per_minute);
  } else {
    run.capacity_per_second = capacity_from_config(config.accounts, config.api_keys,
                                                   run.limit_per_second, run.limit_per_minute);
  }
  run.max_age_s = config.pipeline.tasks.max_age_seconds;
  run.max_lag = o.max_lag;
  run.e2e_p95_target_ms = o.e2e_p95_target_ms;
  json report = build_pipeline_report(run);
  report["startedAt"] = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                                    fmt::gmtime(static_cast<std::time_t>(load_start_ms / 1000)));
  if (synthetic) report["load"] = {{"maxLateMs", synthetic->max_late_ms()}};
  std::cout << summarize_pipeline_report(report);
  if (tracking_at_warmup && tracking_at_end) {
    report["tracking"] =
        tracking_report(tracking_at_warmup->second, tracking_at_end->second,
                        tracking_at_end->first - tracking_at_warmup->first, o.cameras);
    const auto& t = report["tracking"];
    std::cout << fmt::format(
        "tracking: {:.1f} frames/s ({:.2f} per camera), {:.1f}/s given up (steady window)\n",
        t["trackedPerSecond"].get<double>(), t["trackedPerCameraPerSecond"].get<double>(),
        t["skippedPerSecond"].get<double>());
  }
  if (!o.report_file.empty()) {
    write_report(o.report_file, report);
    const std::string html = html_path_for(o.report_file);
    std::ofstream(html) << render_html_report(report);
    std::cout << "report: " << html << "\n";
  }
  std::error_code ignored;
  std::filesystem::remove_all(work_dir, ignored);
  const auto& counts = report["counts"];
  const bool nothing_lost = counts["lostTasks"].get<int64_t>() == 0 &&
                            counts["framesNotStored"].get<int64_t>() == 0 &&
                            counts["deadLetters"].get<int64_t>() == 0;
  return nothing_lost ? 0 : 1;
}

}  // namespace tmon::bench
