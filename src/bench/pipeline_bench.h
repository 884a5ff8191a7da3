#pragma once

#include <string>
#include <vector>

#include "bench/services.h"
#include "config/config.h"

namespace tmon::bench {

// `tmon bench`: the whole pipeline under N sim:// cameras, measured from
// outside (the topics and Redis), as a user sizing a deployment would.
//
// In-process (default): an embedded broker, a private redis-server and
// `tmon mock-llm` (or the provider of config/api_keys.yaml) are started, and
// the stages run in this process as `tmon up` runs them. Against running
// services (--brokers and --redis-url): the cameras are added through the
// API of a running `tmon detect`/`tmon up` (--api-url), or synthetic
// detections are produced straight into detection-results.
struct PipelineBenchOptions {
  int cameras = 10;
  double duration = 60;  // seconds of load
  double warmup = -1;    // seconds left out of latency and throughput; -1: 10% up to 30 s
  double interval = 0;   // seconds between a camera's frames; 0: the config's
  bool detections_only = false;
  int load_threads = 2;  // detections-only: threads making synthetic frames

  std::string config_dir;  // where `config` came from (the broker's topics); empty: defaults
  bool provider = false;   // call the provider of config_dir/api_keys.yaml, not the mock
  MockAccounts mock;
  double max_age = 0;      // tasks.max_age_seconds; 0: the config's
  int max_concurrent = 0;  // scheduler.max_concurrent_tasks; 0: the config's
  int queue_size = 0;      // scheduler.queue_size; 0: the config's
  int tracking_nice = -1;  // detection.tracking_nice; -1: the config's

  // Running services; empty brokers: in-process.
  std::string brokers;
  std::string redis_url;
  std::string api_url;          // full mode against running services
  std::string mock_stats_url;   // the running services' mock provider, for capacity figures
  std::vector<int> watch_pids;  // processes of the running services, for CPU and RSS

  double drain_timeout = 0;      // after the load: wait for results this long; 0: from the config
  int max_lag = 1000;            // verdict: Kafka lag must stay below this
  double e2e_p95_target_ms = 0;  // verdict: end-to-end p95 target; 0: none
  std::string report_file;       // JSON; the HTML report goes beside it
  bool progress_bar = true;      // on a terminal; plain lines otherwise
};

// Runs the benchmark; returns the exit code: 0 when nothing was lost (every
// task got a result, every frame with tasks was stored, no dead letter), 1
// otherwise, 2 when it could not run.
// `config` holds the settings of the stages (tasks, scheduler, topics...);
// the benchmark points its services and cameras where they run.
int run_pipeline_bench(const PipelineBenchOptions& options, config::Config config);

}  // namespace tmon::bench
