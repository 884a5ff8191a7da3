#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace tmon::e2e {

// The latencies of one stage of the pipeline, in milliseconds.
struct StageLatency {
  std::string stage;  // "capture -> task created", ...
  std::vector<int64_t> samples_ms;
  int indent = 0;  // a part of the stage above it (LLM time within task -> result)
};

// p50 (nearest rank) and max of samples; 0 for none.
int64_t percentile_ms(std::vector<int64_t> samples, double quantile);

// What `tmon e2e-test` found. It passed when there are no failures.
struct E2eReport {
  std::string camera_id;
  std::string setup;  // where it injected and followed, for the first line

  int frames_planned = 0;
  int frames_injected = 0;
  int frames_seen = 0;  // on detection-results
  int frames_with_tasks = 0;
  int tasks = 0;  // on assessment-tasks
  int tasks_without_result = 0;
  int results = 0;            // first result of each task, on risk-assessment-results
  int duplicate_results = 0;  // further results of a task
  std::map<std::string, int> results_by_status;  // "ok", "error", "expired", "rejected"
  std::map<std::string, int> error_codes;        // non-ok results by code
  int views_stored = 0;                          // frames with tasks whose view is stored
  int views_partial = 0;
  int views_missing = 0;  // frames with all results but no view
  double waited_seconds = 0;

  std::vector<StageLatency> latencies;
  std::vector<std::string> notes;
  std::vector<std::string> failures;

  bool passed() const { return failures.empty(); }
};

// The human-readable report; its last line is "PASS" or "FAIL: <reasons>".
void print_report(const E2eReport& report, std::ostream& out);

}  // namespace tmon::e2e
