#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench/pipeline_observer.h"
#include "bench/services.h"

namespace tmon::bench {

// One second of the run, sampled by the benchmark.
struct TimelineSample {
  double t = 0;  // seconds since the load started
  ObservedTotals totals;
  std::map<std::string, std::optional<int64_t>> lag;  // topic -> messages behind
  double rss_mb = 0;                                  // the pipeline's process(es)
};

// Everything a pipeline benchmark run observed, for build_pipeline_report().
struct PipelineRun {
  nlohmann::json config;         // what was run, as given
  int64_t load_start_ms = 0;     // epoch ms when the load started
  double duration_s = 0;         // of the load
  double warmup_s = 0;           // left out of latency and throughput figures
  double wall_s = 0;             // load + drain
  int64_t frames_produced = -1;  // synthetic frames sent; -1: cameras made them
  std::map<std::string, trace::FrameTrace> frames;  // by requestId
  std::map<std::string, trace::TaskTrace> tasks;    // by taskId
  ObservedTotals totals;
  std::vector<TimelineSample> timeline;
  std::optional<ProviderTally> provider;  // the mock's own counts
  double capacity_per_second = 0;         // accounts x min(qps, rpm/60); 0: unknown
  double limit_per_second = 0;
  double limit_per_minute = 0;
  nlohmann::json processes = nlohmann::json::array();
  double max_age_s = 0;
  int max_lag = 1000;
  double e2e_p95_target_ms = 0;
};

// The JSON report (field names in the README, "tmon bench" section).
nlohmann::json build_pipeline_report(const PipelineRun& run);

// The report's headline figures, for the terminal.
std::string summarize_pipeline_report(const nlohmann::json& report);

}  // namespace tmon::bench
