#pragma once

#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/health.h"
#include "common/result.h"
#include "config/config.h"
#include "llm/llm_client.h"
#include "schedule/dispatcher.h"
#include "schedule/key_pool.h"
#include "schedule/key_state_store.h"
#include "schedule/metrics.h"
#include "schedule/rate_limiter.h"
#include "schedule/scheduler_sections.h"

namespace tmon::schedule {

struct SchedulerHealth {
  HealthStatus status = HealthStatus::kOk;  // healthy, degraded or unhealthy in the guide's words
  std::vector<std::string> reasons;
};

// The LLM scheduler of one process, assembled from config: the rate limiter
// (local, or Redis shared by all instances with a local fallback), the key
// state store, the key pool and the dispatcher. Also what operators see and
// do: stats, health, enabling and disabling keys, reloading the keys file.
class Scheduler {
 public:
  // `keys` are the keys to use: the configured ones, or the mock's. With a
  // `registry` (which must outlive the scheduler) it exports its metrics
  // there (see SchedulerMetrics).
  static Result<std::unique_ptr<Scheduler>> create(const SchedulerSections& config,
                                                   std::string instance_id,
                                                   std::vector<config::ApiKeyConfig> keys,
                                                   boost::asio::io_context& io, llm::LlmClient& llm,
                                                   Clock& clock,
                                                   prometheus::Registry* registry = nullptr);
  ~Scheduler();

  void start();
  void stop(Millis drain_timeout);

  // SIGHUP: new keys, account limits, cooldown and request settings, without
  // dropping calls in flight; keys disabled at runtime are enabled again.
  void reload(const SchedulerSections& config, std::vector<config::ApiKeyConfig> keys);

  Dispatcher& dispatcher() { return *dispatcher_; }
  KeyPool& keys() { return *keys_; }
  // The body of GET /api/scheduler/stats (the "data" member), as JSON text.
  std::string stats_json();
  SchedulerHealth health();
  // Copies key states, cooldowns, queue depth, calls in flight and the
  // limiter's fallback into their gauges; run before each scrape. May block
  // on a shared (Redis) limiter like stats_json().
  void update_metrics();
  SchedulerMetrics& metrics() { return *metrics_; }
  // Requests per second the configured accounts allow (capacity_per_second()).
  double capacity() const { return capacity_; }
  const std::string& instance_id() const { return instance_id_; }

 private:
  Scheduler() = default;

  std::string instance_id_;
  int min_available_keys_ = 1;
  int max_concurrent_tasks_ = 0;
  int queue_size_ = 0;
  double capacity_ = 0;
  RateLimiterPtr limiter_;
  KeyStateStorePtr key_states_;
  std::unique_ptr<KeyPool> keys_;
  std::unique_ptr<prometheus::Registry> own_registry_;  // when the process gave none
  std::unique_ptr<SchedulerMetrics> metrics_;           // before the dispatcher, which uses it
  std::unique_ptr<Dispatcher> dispatcher_;
};

}  // namespace tmon::schedule
