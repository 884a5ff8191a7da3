// `tmon bench ...`: load tests that print figures (see docs/PERFORMANCE.md).
#include "app/commands.h"
#include "app/config_loading.h"
#include "app/exit_codes.h"
#include "bench/detect_bench.h"
#include "bench/generate_bench.h"
#include "bench/pipeline_bench.h"
#include "bench/scheduler_bench.h"
#include "bench/track_bench.h"
#include "common/logging.h"

namespace tmon::app {

namespace {

// `tmon bench` itself: the whole pipeline under N cameras.
void add_pipeline_bench_options(CLI::App& bench, int& exit_code) {
  static bench::PipelineBenchOptions p;
  bench.add_option("--cameras", p.cameras, "sim:// cameras")->check(CLI::Range(1, 100000));
  bench.add_option("--duration", p.duration, "Seconds of load")->check(CLI::PositiveNumber);
  bench
      .add_option("--warmup", p.warmup,
                  "Seconds left out of latency and throughput (default: 10% up to 30)")
      ->check(CLI::NonNegativeNumber);
  bench
      .add_option("--interval", p.interval,
                  "Seconds between a camera's frames (default: detection.frame_interval_seconds)")
      ->check(CLI::PositiveNumber);
  bench.add_flag("--detections-only", p.detections_only,
                 "Produce synthetic detection-results instead of rendering and detecting frames");
  bench.add_option("--load-threads", p.load_threads, "Threads making synthetic detections")
      ->check(CLI::Range(1, 64));
  bench.add_option("--config-dir", p.config_dir,
                   "Settings of the stages from this folder (default: built-in defaults)");
  bench.add_flag("--provider", p.provider,
                 "Call the provider of CONFIG_DIR/api_keys.yaml instead of `tmon mock-llm`");
  bench.add_option("--accounts", p.mock.accounts, "Mock: provider accounts")
      ->check(CLI::Range(1, 1000));
  bench.add_option("--qps", p.mock.qps, "Mock: requests per second per account")
      ->check(CLI::PositiveNumber);
  bench.add_option("--rpm", p.mock.rpm, "Mock: requests per minute per account")
      ->check(CLI::PositiveNumber);
  bench.add_option("--keys-per-account", p.mock.keys_per_account, "Mock: keys in each account")
      ->check(CLI::Range(1, 100));
  bench.add_option("--latency-median-ms", p.mock.latency_median_ms, "Mock: latency median")
      ->check(CLI::NonNegativeNumber);
  bench.add_option("--latency-sigma", p.mock.latency_sigma, "Mock: sigma of ln(latency)")
      ->check(CLI::NonNegativeNumber);
  bench.add_option("--error-rate", p.mock.error_rate, "Mock: share of calls answered 500")
      ->check(CLI::Range(0.0, 1.0));
  bench.add_option("--mock-threads", p.mock.threads, "Mock: server threads")
      ->check(CLI::Range(1, 64));
  bench
      .add_option("--max-age", p.max_age, "Task deadline after capture, s (tasks.max_age_seconds)")
      ->check(CLI::PositiveNumber);
  bench
      .add_option("--max-concurrent", p.max_concurrent,
                  "LLM calls in flight (scheduler.max_concurrent_tasks)")
      ->check(CLI::Range(1, 100000));
  bench
      .add_option("--queue-size", p.queue_size, "Tasks waiting for a permit (scheduler.queue_size)")
      ->check(CLI::Range(1, 1000000));
  bench
      .add_option("--tracking-nice", p.tracking_nice,
                  "Priority drop of the tracking threads (detection.tracking_nice; 0: none)")
      ->check(CLI::Range(0, 19));
  bench.add_option("--brokers", p.brokers,
                   "Kafka of running services (default: run the pipeline in-process)");
  bench.add_option("--redis-url", p.redis_url,
                   "Redis of running services (in-process default: a private redis-server)");
  bench.add_option("--api-url", p.api_url,
                   "API of a running `tmon detect`/`tmon up` to add the cameras to (full mode)");
  bench.add_option("--mock-stats-url", p.mock_stats_url,
                   "/__stats of the running services' `tmon mock-llm`, for capacity figures");
  bench.add_option("--watch-pid", p.watch_pids, "Process of the running services (repeatable)");
  bench
      .add_option("--drain-timeout", p.drain_timeout,
                  "Seconds to wait for results after the load (default: from the config)")
      ->check(CLI::PositiveNumber);
  bench.add_option("--max-lag", p.max_lag, "Verdict: Kafka lag must stay below this")
      ->check(CLI::PositiveNumber);
  bench
      .add_option("--e2e-p95-target-ms", p.e2e_p95_target_ms,
                  "Verdict: end-to-end p95 must be at most this")
      ->check(CLI::PositiveNumber);
  bench.add_option("--report-file", p.report_file,
                   "Write the JSON report here, and an HTML report beside it");
  bench.add_flag("!--no-progress", p.progress_bar, "No progress bar, even on a terminal");
  bench.callback([&exit_code, &bench] {
    if (!bench.get_subcommands().empty()) return;  // `tmon bench scheduler` and friends
    configure_logging({"warn", false, ""});
    config::Config config;
    if (!p.config_dir.empty()) config = *load_config_or_exit(p.config_dir);
    exit_code = bench::run_pipeline_bench(p, std::move(config));
  });
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  static bench::SchedulerBenchOptions o;
  CLI::App* bench = app.add_subcommand(
      "bench",
      "Load tests that measure tmon: without a subcommand, the whole pipeline under N cameras");
  bench->require_subcommand(0, 1);
  add_pipeline_bench_options(*bench, exit_code);
  CLI::App* scheduler = bench->add_subcommand(
      "scheduler",
      "The LLM scheduler alone against `tmon mock-llm`: goodput, 429s, added latency, CPU, RSS");
  scheduler->add_option("--accounts", o.accounts, "Provider accounts")->check(CLI::Range(1, 1000));
  scheduler->add_option("--qps", o.qps, "Requests per second per account")
      ->check(CLI::PositiveNumber);
  scheduler->add_option("--rpm", o.rpm, "Requests per minute per account")
      ->check(CLI::PositiveNumber);
  scheduler->add_option("--keys-per-account", o.keys_per_account, "Keys in each account")
      ->check(CLI::Range(1, 100));
  scheduler->add_option("--latency-median-ms", o.latency_median_ms, "Mock latency median")
      ->check(CLI::NonNegativeNumber);
  scheduler->add_option("--latency-sigma", o.latency_sigma, "Mock latency sigma of ln")
      ->check(CLI::NonNegativeNumber);
  scheduler->add_option("--offered", o.offered, "Tasks offered per second")
      ->check(CLI::PositiveNumber);
  scheduler->add_option("--duration", o.duration, "Seconds of load")->check(CLI::PositiveNumber);
  scheduler->add_option("--warmup", o.warmup, "Seconds left out of the steady window")
      ->check(CLI::NonNegativeNumber);
  scheduler->add_option("--cameras", o.cameras, "Cameras the tasks come from")
      ->check(CLI::Range(1, 100000));
  scheduler->add_option("--instances", o.instances, "Scheduler instances (> 1 share via Redis)")
      ->check(CLI::Range(1, 16));
  scheduler->add_option("--redis-url", o.redis_url,
                        "Redis for shared limits (default: a private redis-server)");
  scheduler->add_option("--max-concurrent", o.max_concurrent, "Calls in flight per instance")
      ->check(CLI::Range(1, 100000));
  scheduler->add_option("--queue-size", o.queue_size, "Waiting tasks per instance")
      ->check(CLI::Range(1, 1000000));
  scheduler->add_option("--max-age", o.max_age, "Task deadline after capture (s)")
      ->check(CLI::PositiveNumber);
  scheduler->add_option("--timeout", o.timeout, "Per-call timeout (s)")->check(CLI::PositiveNumber);
  scheduler->add_option("--window-margin-ms", o.window_margin_ms, "Limiter window margin")
      ->check(CLI::Range(0, 10000));
  scheduler->add_option("--mock-threads", o.mock_threads, "Threads of the mock provider")
      ->check(CLI::Range(1, 64));
  scheduler->add_option("--tpm", o.tpm, "Tokens per minute per account (0 = none)")
      ->check(CLI::NonNegativeNumber);
  scheduler
      ->add_option("--jitter-ms", o.jitter_ms,
                   "The mock judges each request 0..N ms after it arrives (the scheduler "
                   "is not told)")
      ->check(CLI::Range(0, 10000));
  scheduler
      ->add_option("--restart-at", o.restart_at,
                   "Restart every instance after this many seconds (limits and the learned "
                   "margin in Redis)")
      ->check(CLI::NonNegativeNumber);
  scheduler->add_flag("--mixed-crops", o.mixed_crops,
                      "Images of four sizes, 96x64 to 1280x720 (token costs differ)");
  scheduler->add_option("--fault-at", o.fault_at, "When an injected fault starts (seconds)")
      ->check(CLI::NonNegativeNumber);
  scheduler
      ->add_option("--quota-outage", o.quota_outage,
                   "Seconds acct-1 answers DashScope's temporary insufficient_quota")
      ->check(CLI::NonNegativeNumber);
  scheduler
      ->add_option("--revoke-for", o.revoke_for,
                   "Seconds key-1-1 stays revoked (401) before it is restored")
      ->check(CLI::NonNegativeNumber);
  scheduler
      ->add_option("--probe-seconds", o.probe_seconds,
                   "scheduler.disabled_probe_seconds of the scheduler")
      ->check(CLI::PositiveNumber);
  scheduler->add_option("--fallback-model", o.fallback_model,
                        "llm.fallback_models = [MODEL]; the preferred model goes out on every "
                        "account at --fault-at");
  scheduler->add_option("--report-file", o.report_file, "Write the JSON report here");
  scheduler->callback([&exit_code] {
    configure_logging({"warn", false, ""});
    exit_code = bench::run_scheduler_bench(o);
  });

  static bench::DetectBenchOptions d;
  CLI::App* detect = bench->add_subcommand(
      "detect",
      "Detection alone: per-frame time of each detector, and N sim:// cameras through "
      "the camera manager (CPU, drops, latency)");
  detect->add_option("--cameras", d.cameras, "sim:// cameras; 0 skips the camera run")
      ->check(CLI::Range(0, 10000));
  detect->add_option("--interval", d.interval, "Seconds between a camera's analysed frames")
      ->check(CLI::PositiveNumber);
  detect
      ->add_option("--track-fps", d.track_fps,
                   "Frames detected and tracked per second per camera (0: analysed only)")
      ->check(CLI::Range(0.0, 60.0));
  detect->add_option("--width", d.width, "Frame width of the cameras")->check(CLI::Range(64, 7680));
  detect->add_option("--height", d.height, "Frame height of the cameras")
      ->check(CLI::Range(64, 4320));
  detect->add_option("--detector", d.detector, "Detector of the cameras")
      ->check(CLI::IsMember({"motion", "hog", "yolo"}));
  detect->add_option("--duration", d.duration, "Seconds of the camera run")
      ->check(CLI::PositiveNumber);
  detect->add_option("--warmup", d.warmup, "Seconds left out of the figures")
      ->check(CLI::NonNegativeNumber);
  detect->add_option("--workers", d.workers, "Detection threads; 0: one per core")
      ->check(CLI::Range(0, 256));
  detect->add_option("--frames", d.frames, "Frames timed per detector and size")
      ->check(CLI::Range(1, 100000));
  detect->add_flag("--skip-detectors", d.skip_detectors, "Do not time detectors one by one");
  detect->add_option("--yolo-model", d.yolo_model, "ONNX model to time the yolo detector with")
      ->check(CLI::ExistingFile);
  detect->add_option("--report-file", d.report_file, "Write the JSON report here");
  detect->callback([&exit_code] {
    configure_logging({"warn", false, ""});
    exit_code = bench::run_detect_bench(d);
  });

  static bench::TrackBenchOptions t;
  CLI::App* track = bench->add_subcommand(
      "track",
      "Detection and tracking quality at the tracking rate on sim:// scenes, clean and under "
      "noise, exposure drift, shadows and parked cars: precision, recall, count error, id "
      "switches, ids per object, TTC error");
  track->add_option("--fps", t.fps, "Tracking rate (frames per second)")
      ->check(CLI::Range(0.1, 60.0));
  track->add_option("--seconds", t.seconds, "Simulated seconds per scene")
      ->check(CLI::PositiveNumber);
  track->add_option("--warmup", t.warmup, "Simulated seconds left out of the figures")
      ->check(CLI::NonNegativeNumber);
  track->add_option("--seeds", t.seeds, "Scenes per condition")->check(CLI::Range(1, 1000));
  track->add_option("--density", t.density, "sim:// traffic density (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  track->add_option("--near-miss", t.near_miss, "sim:// share of reckless drivers (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  track->add_flag("--inertia", t.inertia,
                  "sim:// inertia=1: road users speed up and brake at bounded rates");
  track->add_flag("--perfect-detection", t.perfect_detection,
                  "Track the scene's own boxes instead of the motion detector's: what is left of "
                  "an error is the tracker's");
  track
      ->add_option("--reference-noise", t.reference_noise,
                   "px of noise per axis on the centres of the reference TTC (a 3-frame "
                   "parabola through the true centres: what the frame rate allows)")
      ->check(CLI::Range(0.0, 20.0));
  track->add_option("--width", t.width, "Frame width")->check(CLI::Range(160, 3840));
  track->add_option("--height", t.height, "Frame height")->check(CLI::Range(120, 2160));
  track->add_option("--noise", t.noise, "Sensor noise sigma when on (grey levels)")
      ->check(CLI::Range(0.0, 50.0));
  track->add_option("--exposure", t.exposure, "Exposure swing when on (+-share)")
      ->check(CLI::Range(0.0, 0.5));
  track->add_option("--shadows", t.shadows, "Swaying shadows when on")->check(CLI::Range(0, 4));
  track->add_option("--parked", t.parked, "Parked cars when on")->check(CLI::Range(0, 4));
  track->add_option("--conditions", t.conditions,
                    "all, or a comma list of clean,noise,exposure,shadows,parked,combined");
  track->add_option("--threads", t.threads, "Worker threads; 0: one per core")
      ->check(CLI::Range(0, 256));
  track->add_option("--report-file", t.report_file, "Write the JSON report here");
  track->add_option("--ttc-dump", t.ttc_dump_file,
                    "Write every scored TTC pair here as CSV (true and tracked boxes, speeds)");
  track->callback([&exit_code] {
    configure_logging({"warn", false, ""});
    exit_code = bench::run_track_bench(t);
  });

  static bench::GenerateBenchOptions g;
  CLI::App* generate = bench->add_subcommand(
      "generate",
      "Task generation on sim:// cameras in simulated time: LLM calls saved by triggers and "
      "de-duplication against one call per group per frame, and near misses caught");
  generate->add_option("--cameras", g.cameras, "sim:// cameras (seeds 1..N)")
      ->check(CLI::Range(1, 100000));
  generate->add_option("--frames", g.frames, "Frames per camera")->check(CLI::Range(1, 1000000));
  generate->add_option("--interval", g.interval, "Simulated seconds between a camera's frames")
      ->check(CLI::PositiveNumber);
  generate->add_option("--near-miss", g.near_miss, "sim:// share of reckless drivers (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  generate->add_option("--density", g.density, "sim:// traffic density (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  generate->add_option("--threads", g.threads, "Worker threads; 0: one per core")
      ->check(CLI::Range(0, 256));
  generate->add_option("--config-dir", g.config_dir,
                       "Take tasks: and detection: settings from this folder (default: built-in "
                       "defaults, as shipped in config/pipeline.yaml)");
  generate->add_option("--report-file", g.report_file, "Write the JSON report here");
  generate->add_option("--observed-dir", g.observed_dir,
                       "Cache detection's output per camera in this folder and reuse it when "
                       "the scene flags match (for trying tasks: settings quickly)");
  generate->add_flag("--explain", g.explain,
                     "List each urgent task whose group held no near miss, with its road users");
  generate->callback([&exit_code] {
    configure_logging({"warn", false, ""});
    exit_code = bench::run_generate_bench(g);
  });
}

}  // namespace tmon::app
