#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <mutex>
#include <random>

#include "common/clock.h"
#include "config/config.h"
#include "llm/llm_client.h"
#include "messages/messages.h"
#include "schedule/key_pool.h"
#include "schedule/metrics.h"
#include "schedule/retry_policy.h"
#include "schedule/task_queue.h"

namespace tmon::schedule {

struct DispatcherOptions {
  std::string instance_id = "scheduler-1";
  int max_concurrent_tasks = 64;
  int queue_size = 1000;
  int retry_max_attempts = 3;
  Millis call_timeout{30'000};
  Millis default_max_age{10'000};  // deadline of tasks that carry none (original format)
  uint64_t seed = 1;               // retry jitter
};

struct DispatcherStats {
  int64_t submitted = 0;
  int64_t ok = 0;
  int64_t errors = 0;
  int64_t expired = 0;
  int64_t rejected = 0;  // superseded by a newer frame of the same group
  int64_t retries = 0;
  std::map<std::string, int64_t> errors_by_code;
  size_t queued = 0;
  size_t in_flight = 0;
};

// Turns tasks into results (DESIGN.md §3).
//
// Every submitted task gets exactly one result through its completion: `ok`,
// `error` with a code, `expired` when its deadline passes first, or
// `rejected` (code `superseded`) when a newer frame of the same camera group
// replaces it while it waits. One loop coroutine takes the best waiting task
// (see TaskQueue) whenever a call slot is free, leases a key with a permit
// from the KeyPool, and starts the call; calls in flight are bounded by
// max_concurrent_tasks, and saturated() tells the consumer to pause once
// queue_size tasks wait. Failures go through the RetryPolicy: retried on
// another key, or final.
//
// All state lives on a strand of the given io_context (which also runs the
// LLM client's sockets); blocking KeyPool calls (a Redis limiter) run on a
// thread of their own. submit() and the accessors are thread-safe.
class Dispatcher {
 public:
  using Completion = PendingTask::Completion;

  // `metrics` (may be null) must outlive the dispatcher.
  Dispatcher(DispatcherOptions options, boost::asio::io_context& io, KeyPool& keys,
             llm::LlmClient& llm, config::LlmConfig llm_config, Clock& clock,
             SchedulerMetrics* metrics = nullptr);
  ~Dispatcher();

  void start();
  void submit(messages::AssessmentTask task, Completion on_done);
  // Stops taking new work, drops what waits (those tasks get no result and
  // are replayed from Kafka by the next owner), lets calls in flight finish
  // within `timeout`. Calls still running after that complete later unless
  // the io_context is stopped first; stop the io_context before destroying
  // a dispatcher that may still have calls in flight. Idempotent.
  void stop(Millis timeout);
  // Model, temperature, prompt: applies to tasks submitted from now on.
  void set_llm_config(config::LlmConfig llm_config);

  bool saturated() const { return queued_.load() >= static_cast<size_t>(options_.queue_size); }
  size_t queued() const { return queued_.load(); }
  size_t in_flight() const { return in_flight_.load(); }
  DispatcherStats stats() const;

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> call(PendingTask pending, Lease lease);
  boost::asio::awaitable<LeaseResult> lease_key(std::set<std::string> avoid);
  boost::asio::awaitable<LeaseResult> lease_on_key_thread(std::set<std::string> avoid);
  boost::asio::awaitable<void> finish_lease(Lease lease, CallOutcome outcome);
  boost::asio::awaitable<void> finish_on_key_thread(Lease lease, CallOutcome outcome);
  boost::asio::awaitable<void> sleep_until(SteadyTime when);
  void enqueue(PendingTask pending);
  void complete(PendingTask& pending, messages::AssessmentResult result);
  void expire_overdue();
  void notify();  // wakes the loop; on the strand

  DispatcherOptions options_;
  KeyPool& keys_;
  llm::LlmClient& llm_;
  Clock& clock_;
  SchedulerMetrics* metrics_;
  RetryPolicy retry_;
  std::mt19937_64 jitter_;

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer wake_;
  boost::asio::thread_pool key_thread_{1};
  TaskQueue queue_;               // strand only
  bool wake_pending_ = false;     // strand only
  config::LlmConfig llm_config_;  // strand only
  // When the loop was first denied a permit for the task at the head of the
  // queue (strand only); nullopt while permits come at once.
  std::optional<SteadyTime> permit_denied_since_;

  std::atomic<size_t> queued_{0};
  std::atomic<size_t> in_flight_{0};
  std::atomic<bool> accepting_{true};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> looping_{false};

  mutable std::mutex stats_mu_;
  DispatcherStats stats_;
};

}  // namespace tmon::schedule
