#pragma once

#include <string>

namespace tmon::bench {

// `tmon bench scheduler`: the LLM scheduler alone under a synthetic load,
// against `tmon mock-llm` run as a separate process (the provider), to
// measure what the scheduler itself achieves: goodput against the accounts'
// capacity, 429s (there must be none), the latency it adds, CPU and memory.
// Tasks enter as they would from Kafka: evenly spaced at the offered rate,
// per camera to a fixed instance, held back (like a paused partition) while
// the instance's queue is full.
struct SchedulerBenchOptions {
  int accounts = 3;
  double qps = 10;  // per account
  int rpm = 600;    // per account
  int keys_per_account = 1;
  double latency_median_ms = 1000;
  double latency_sigma = 0.25;
  double offered = 45;    // tasks per second
  double duration = 120;  // seconds of load
  double warmup = 20;     // seconds excluded from the steady window
  int cameras = 20;
  int instances = 1;      // > 1 shares limits through Redis
  std::string redis_url;  // empty with instances > 1: a private redis-server
  int max_concurrent = 256;
  int queue_size = 1000;
  double max_age = 10;  // task deadline after capture (seconds)
  double timeout = 30;  // per LLM call (seconds)
  int window_margin_ms = 10;
  int mock_threads = 2;
  std::string report_file;
};

// Runs the benchmark, prints progress and a summary, writes the JSON report
// when asked; returns the process exit code.
int run_scheduler_bench(const SchedulerBenchOptions& options);

}  // namespace tmon::bench
