// `tmon bench ...`: load tests that print figures (see docs/PERFORMANCE.md).
#include "app/commands.h"
#include "app/exit_codes.h"
#include "bench/scheduler_bench.h"
#include "common/logging.h"

namespace tmon::app {

void add_bench_command(CLI::App& app, int& exit_code) {
  static bench::SchedulerBenchOptions o;
  CLI::App* bench = app.add_subcommand("bench", "Load tests that measure tmon");
  bench->require_subcommand(1);
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
  scheduler->add_option("--report-file", o.report_file, "Write the JSON report here");
  scheduler->callback([&exit_code] {
    configure_logging({"warn", false, ""});
    exit_code = bench::run_scheduler_bench(o);
  });
}

}  // namespace tmon::app
