#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <deque>
#include <functional>
#include <mutex>
#include <random>

#include "common/clock.h"
#include "config/config.h"
#include "llm/llm_client.h"
#include "messages/messages.h"
#include "schedule/key_pool.h"

namespace tmon::schedule {

struct DispatcherOptions {
  std::string instance_id = "scheduler-1";
  int max_concurrent_tasks = 64;
  int queue_size = 1000;
  int retry_max_attempts = 3;
  Millis call_timeout{30'000};
  uint64_t seed = 1;  // retry jitter
};

// Turns tasks into results by calling the LLM with keys from the pool.
//
// Every submitted task gets exactly one result through its completion: ok,
// error (with a code), or expired when its deadline passes first. Calls in
// flight are bounded by max_concurrent_tasks; waiting tasks queue, and
// saturated() tells the consumer to stop fetching once queue_size wait.
// Transient failures (5xx, timeout, connection, 429) retry on a different key
// with jittered backoff, bounded by retry_max_attempts and the deadline; auth
// and quota failures disable the key; a bad request or an unusable reply is
// not retried.
//
// Runs its coroutines on the given io_context (which also runs the LLM
// client's sockets); submit() is thread-safe.
class Dispatcher {
 public:
  using Completion = std::function<void(messages::AssessmentResult)>;

  Dispatcher(DispatcherOptions options, boost::asio::io_context& io, KeyPool& keys,
             llm::LlmClient& llm, config::LlmConfig llm_config, Clock& clock);
  ~Dispatcher();

  void start();
  void submit(messages::AssessmentTask task, Completion on_done);
  // Stops taking new work, lets calls in flight finish (bounded by timeout),
  // and drops what is still queued: those tasks get no result and are
  // replayed from Kafka by the next owner. Calls still in flight after the
  // timeout complete later unless the io_context is stopped first; either
  // way their tasks stay uncommitted. Stop the io_context before destroying
  // a dispatcher that may still have calls in flight. Idempotent.
  void stop(Millis timeout);

  bool saturated() const { return queued_.load() >= static_cast<size_t>(options_.queue_size); }
  size_t queued() const { return queued_.load(); }
  size_t in_flight() const { return in_flight_.load(); }

 private:
  struct Pending {
    messages::AssessmentTask task;
    Completion on_done;
    int64_t submitted_ms = 0;
  };

  void pump();  // io thread: start queued tasks while there is capacity
  boost::asio::awaitable<void> run(Pending pending);
  boost::asio::awaitable<void> sleep_for(Millis duration);
  Millis backoff(int attempt);

  DispatcherOptions options_;
  KeyPool& keys_;
  llm::LlmClient& llm_;
  config::LlmConfig llm_config_;
  Clock& clock_;
  std::mt19937_64 jitter_;

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;  // serializes all state
  std::deque<Pending> queue_;                                           // on strand_ only
  std::atomic<size_t> queued_{0};
  std::atomic<size_t> in_flight_{0};
  std::atomic<bool> accepting_{true};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ticking_{false};  // the re-pump loop is running
};

}  // namespace tmon::schedule
