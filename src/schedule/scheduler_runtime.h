#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "http/client.h"
#include "http/io_threads.h"
#include "llm/llm_client.h"
#include "schedule/scheduler.h"
#include "schedule/scheduler_sections.h"

namespace prometheus {
class Registry;
}

namespace tmon::schedule {

// A scheduler with everything it runs on: its event loop thread, the HTTP
// client (its warm pool of provider connections), the LLM client for
// `base_url`, and the Scheduler. The one way `tmon up`, `tmon schedule` and
// `tmon bench scheduler` assemble a scheduler, so what is measured is what
// runs.
class SchedulerRuntime {
 public:
  static Result<std::unique_ptr<SchedulerRuntime>> create(const SchedulerSections& config,
                                                          std::string instance_id,
                                                          std::vector<config::ApiKeyConfig> keys,
                                                          const std::string& base_url, Clock& clock,
                                                          prometheus::Registry* registry = nullptr);
  ~SchedulerRuntime();

  Scheduler& scheduler() { return *scheduler_; }
  void start() { scheduler_->start(); }
  // Drains calls in flight for up to `drain`, then stops the event loop:
  // calls still running stay suspended and their tasks are replayed.
  // Idempotent.
  void stop(Millis drain);
  // Stops the event loop at once (after the stages drained the scheduler).
  void stop_io() { io_.stop(); }

 private:
  SchedulerRuntime() = default;

  // Declared first: destroyed last, after the sockets and coroutines of the rest.
  http::IoThreads io_{1};
  http::Client http_;
  llm::LlmClientPtr llm_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace tmon::schedule
