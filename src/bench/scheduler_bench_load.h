#pragma once

// The parts of `tmon bench scheduler`: the offered load and what became of
// it, the faults a scenario injects into the mock provider, and the report.

#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "bench/scheduler_bench.h"
#include "bench/stats.h"
#include "common/clock.h"
#include "config/config.h"
#include "messages/messages.h"
#include "schedule/dispatcher.h"
#include "schedule/scheduler.h"

namespace tmon::bench {

// One task's fate, as the benchmark saw it.
struct Sample {
  double submitted_s = 0;  // seconds since load start, when handed to the scheduler
  double finished_s = 0;
  messages::ResultStatus status = messages::ResultStatus::kOk;
  std::string code;
  std::string model;
  double end_to_end_ms = 0;  // capture to result
  double llm_ms = 0;
  double queue_wait_ms = 0;
  double scheduler_ms = 0;  // time in the scheduler minus time at the provider
  int64_t tokens = 0;
  bool within_deadline = true;
  bool by_rules = false;  // answered by rules (no key in time), not by the provider
};

// Tasks at the offered rate, evenly spaced, camera by camera.
class TaskFactory {
 public:
  TaskFactory(const SchedulerBenchOptions& options, Clock& clock);
  bool due(double now_s) const;
  messages::AssessmentTask next();
  size_t instance_of(const messages::AssessmentTask& task, size_t instances) const;
  int64_t created() const { return created_; }

 private:
  const SchedulerBenchOptions& o_;
  Clock& clock_;
  int64_t created_ = 0;
  std::vector<std::string> images_;  // base64; one, or several sizes
};

// What became of every task handed to a scheduler.
class LoadTracker {
 public:
  LoadTracker(const SchedulerBenchOptions& options, Clock& clock);
  double elapsed_s() const;
  void submit(schedule::Dispatcher& dispatcher, int instance, messages::AssessmentTask task);
  // Tasks handed to `instance` without a result yet (a restart replays them).
  std::vector<messages::AssessmentTask> unanswered(int instance);
  int64_t finished() const;
  void mark_warmup();
  int64_t finished_at_warmup() const { return finished_at_warmup_; }
  std::vector<Sample> samples() const;

 private:
  const SchedulerBenchOptions& o_;
  Clock& clock_;
  SteadyTime start_;
  mutable std::mutex mu_;
  std::vector<Sample> samples_;
  std::map<int, std::map<std::string, messages::AssessmentTask>> outstanding_;
  int64_t finished_at_warmup_ = 0;
};

// The faults a scenario injects into the mock provider, and what the
// scheduler's view of the affected key showed meanwhile.
class FaultScript {
 public:
  FaultScript(const SchedulerBenchOptions& options, std::string admin_base,
              const std::vector<config::ApiKeyConfig>& keys, std::string primary_model);
  void step(double now_s, schedule::Scheduler& scheduler);
  nlohmann::json summary() const;

 private:
  void observe(double now_s, schedule::Scheduler& scheduler);

  const SchedulerBenchOptions& o_;
  std::string admin_base_;
  std::string key_id_;
  std::string primary_model_;
  std::vector<std::string> accounts_;
  bool started_ = false;
  bool restored_ = false;
  double next_look_ = 0;
  int64_t successes_at_fault_end_ = -1;
  std::map<std::string, int> states_seen_;  // while the fault lasted
  std::optional<double> disabled_at_;
  std::optional<double> reenabled_at_;
  std::optional<double> served_again_at_;
};

// The figures of one run, from the samples, the provider's stats and the process.
class SchedulerBenchReport {
 public:
  SchedulerBenchReport(const SchedulerBenchOptions& options, double capacity,
                       const LoadTracker& load, const FaultScript& faults);
  // From samples directly (tests: a made-up run).
  SchedulerBenchReport(const SchedulerBenchOptions& options, double capacity,
                       std::vector<Sample> samples, int64_t finished_at_warmup,
                       nlohmann::json faults);
  void provider(const nlohmann::json& at_warmup, const nlohmann::json& at_end,
                const nlohmann::json& final_stats, const std::optional<nlohmann::json>& at_restart);
  void process(const ProcessUsage& start, const ProcessUsage& warmup, const ProcessUsage& end,
               size_t max_in_flight, Millis margin);
  void offered(int64_t tasks) { report_["tasks"]["offered"] = tasks; }
  void print(std::ostream& out) const;
  const nlohmann::json& json_report() const { return report_; }

 private:
  const SchedulerBenchOptions& o_;
  double capacity_;
  std::vector<Sample> samples_;
  int64_t finished_at_warmup_;
  nlohmann::json report_;
};

}  // namespace tmon::bench
