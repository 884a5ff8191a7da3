#pragma once

#include <string>
#include <vector>

namespace tmon::bench {

// `tmon bench scheduler`: the LLM scheduler alone under a synthetic load,
// against `tmon mock-llm` run as a separate process (the provider), to
// measure what the scheduler itself achieves: goodput against the accounts'
// capacity, 429s, the latency it adds, CPU and memory. Tasks enter as they
// would from Kafka: evenly spaced at the offered rate, per camera to a fixed
// instance, held back (like a paused partition) while the instance's queue
// is full. The schedulers are built by schedule::SchedulerRuntime, as in
// `tmon up` and `tmon schedule`.
//
// Scenarios of issue 15, each a flag: network jitter the scheduler is not
// told of (--jitter-ms), a restart that must keep the learned margin
// (--restart-at), a tokens-per-minute limit with mixed crop sizes (--tpm,
// --mixed-crops), a temporary quota outage (--quota-outage), a revoked key
// restored later (--revoke-for), and model fallback while the preferred
// model is out (--fallback-model).
struct SchedulerBenchOptions {
  int accounts = 3;
  double qps = 10;  // per account
  int rpm = 600;    // per account
  int64_t tpm = 0;  // per account; 0: none
  int keys_per_account = 1;
  double latency_median_ms = 1000;
  double latency_sigma = 0.25;
  double offered = 45;    // tasks per second
  double duration = 120;  // seconds of load
  double warmup = 20;     // seconds excluded from the steady window
  int cameras = 20;
  int instances = 1;      // > 1 shares limits through Redis
  std::string redis_url;  // empty with instances > 1 (or a restart): a private redis-server
  int max_concurrent = 256;
  int queue_size = 1000;
  double max_age = 10;  // task deadline after capture (seconds)
  double timeout = 30;  // per LLM call (seconds)
  int window_margin_ms = 10;
  int mock_threads = 2;
  int jitter_ms = 0;           // mock arrival jitter
  double restart_at = 0;       // seconds; 0: no restart
  bool mixed_crops = false;    // images of several sizes (token costs differ)
  double fault_at = 10;        // when the quota outage / revocation starts (seconds)
  double quota_outage = 0;     // seconds acct-1 answers insufficient_quota
  double revoke_for = 0;       // seconds key-1-1 stays revoked
  double probe_seconds = 300;  // scheduler.disabled_probe_seconds
  std::string fallback_model;  // llm.fallback_models = [this]; the primary goes out at fault_at
  std::string report_file;
};

// Runs the benchmark, prints progress and a summary, writes the JSON report
// when asked; returns the process exit code.
int run_scheduler_bench(const SchedulerBenchOptions& options);

}  // namespace tmon::bench
