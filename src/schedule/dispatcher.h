#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <random>

#include "common/clock.h"
#include "common/clock_timer.h"
#include "config/config.h"
#include "llm/llm_client.h"
#include "messages/messages.h"
#include "schedule/key_pool.h"
#include "schedule/metrics.h"
#include "schedule/retry_policy.h"
#include "schedule/task_queue.h"

namespace tmon::schedule {

// What a call's reply tells the key pool (dispatcher_call.cc).
CallOutcome outcome_of(const llm::CallResult& reply, Millis latency);

struct DispatcherOptions {
  std::string instance_id = "scheduler-1";
  int max_concurrent_tasks = 64;
  int queue_size = 1000;
  int64_t queue_max_bytes = 256LL << 20;
  int retry_max_attempts = 3;
  Millis call_timeout{30'000};
  Millis default_max_age{10'000};  // deadline of tasks that carry none (original format)
  uint64_t seed = 1;               // retry jitter
  // See config::SchedulerConfig::rule_fallback (on there by default; off
  // here so that a dispatcher built by hand shows the plain outcomes).
  bool rule_fallback = false;
};

// Turns tasks into results (DESIGN.md §3).
//
// Every submitted task gets exactly one result through its completion: `ok`,
// `error` with a code, `expired` when its deadline passes first, or
// `rejected` (code `superseded`) when a newer frame of the same camera group
// replaces it while it waits. One loop coroutine takes the best waiting task
// (see TaskQueue) whenever a call slot is free, leases a key with a permit
// from the KeyPool (on the task's model, or a fallback model when its
// deadline would pass), and starts the call at once: the permit is taken as
// close to the send as possible, over connections kept warm. Calls in flight
// are bounded by max_concurrent_tasks, and saturated() tells the consumer to
// pause once queue_size tasks or queue_max_bytes of images wait. What a reply
// means for its task is decide_after_call(). With llm.batch_groups the task
// that gets a key takes its frame's other waiting tasks along in one call
// (the permit counts all their prompts); the reply is split by groupIndex and
// a group it left out, or all of a batch whose reply cannot be read, is asked
// again alone. With rule_fallback a task no key can serve in time is answered
// by rules (rule_assessment.h). Keys the provider disabled are
// probed from the same loop.
//
// All state lives on a strand of the given io_context (which also runs the
// LLM client's sockets); blocking KeyPool calls (a Redis limiter) run on a
// thread of their own. Every wait goes through the Clock, so a ManualClock
// drives the dispatcher in tests. submit() and the accessors are thread-safe.
// Its statistics are the metrics' counters (one source of truth).
class Dispatcher {
 public:
  using Completion = PendingTask::Completion;

  // `metrics` must outlive the dispatcher.
  Dispatcher(DispatcherOptions options, boost::asio::io_context& io, KeyPool& keys,
             llm::LlmClient& llm, config::LlmConfig llm_config, Clock& clock,
             SchedulerMetrics& metrics);
  ~Dispatcher();

  void start();
  void submit(messages::AssessmentTask task, Completion on_done);
  // Stops taking new work, drops what waits (those tasks get no result and
  // are replayed from Kafka by the next owner), lets calls in flight finish
  // within `timeout` (of the clock). Calls still running after that complete
  // later unless the io_context is stopped first; stop the io_context before
  // destroying a dispatcher that may still have calls in flight. Idempotent.
  void stop(Millis timeout);
  // Model, temperature, prompt: applies to tasks submitted from now on.
  void set_llm_config(config::LlmConfig llm_config);

  bool saturated() const {
    return queued_.load() >= static_cast<size_t>(options_.queue_size) ||
           queued_bytes_.load() >= static_cast<size_t>(options_.queue_max_bytes);
  }
  size_t queued() const { return queued_.load(); }
  size_t queued_bytes() const { return queued_bytes_.load(); }
  size_t in_flight() const { return board_->in_flight.load(); }
  DispatcherStats stats() const;
  // How many times the loop has gone to sleep: after a ManualClock advance
  // wakes it, a test waits for this to move to know the loop has seen the
  // new time and is waiting again.
  uint64_t sleeps() const { return sleeps_.load(); }

 private:
  // The count of calls in flight and whom to tell when one ends. Shared with
  // the slots: a call's coroutine frame may be destroyed by its io_context
  // after the dispatcher is gone, and must then touch nothing freed.
  struct SlotBoard {
    std::mutex mu;
    std::condition_variable cv;  // stop() waits here for calls and the loop to end
    std::atomic<size_t> in_flight{0};
    Dispatcher* owner = nullptr;  // null once the dispatcher is destroyed
  };
  // One call slot, held while a call (or a probe) runs: returns the slot
  // and wakes stop() and the loop however the call ends.
  class InFlightSlot {
   public:
    explicit InFlightSlot(std::shared_ptr<SlotBoard> board);
    InFlightSlot(InFlightSlot&& other) noexcept = default;
    InFlightSlot& operator=(InFlightSlot&&) = delete;
    ~InFlightSlot();

   private:
    std::shared_ptr<SlotBoard> board_;
  };
  // What the loop learns on the key thread between tasks.
  struct Upkeep {
    std::optional<Lease> probe;
    std::optional<SteadyTime> next_probe;
    double expected_concurrency = 0;
    Millis margin{0};
  };

  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> call(PendingTask pending, Lease lease, InFlightSlot slot);
  // Sends one request on a leased key, bounded by `deadline_ms`, and settles
  // the lease (permit spread, outcome, rate-limit and disabled-key metrics):
  // what a single and a batched call share.
  struct SentCall {
    llm::CallResult reply;
    Millis latency;
  };
  // Whether `pending` on `model` needs more prompt tokens than a permit
  // sized for `sized_for` charged.
  static bool costs_more_than_charged(const PendingTask& pending, const std::string& model,
                                      const std::vector<ModelChoice>& sized_for);
  // The one log line of a 429: everything needed to tell why it came.
  void log_refusal(const Lease& lease, const llm::CallError& error, const FinishEffect& effect,
                   SteadyTime started, std::optional<SteadyTime> written, size_t image_bytes) const;
  boost::asio::awaitable<SentCall> send_on_lease(llm::ChatRequest request, const Lease& lease,
                                                 int64_t deadline_ms, int64_t sent_ms);
  // One call for several tasks of a frame (llm.batch_groups; dispatcher_batch.cc).
  boost::asio::awaitable<void> call_batch(std::vector<PendingTask> batch, Lease lease,
                                          InFlightSlot slot);
  void finish_batch(std::vector<PendingTask>& batch, const Lease& lease,
                    const llm::CallResult& reply, Millis latency);
  // Puts a task back to be asked again at once, alone.
  void requeue_alone(PendingTask pending);
  boost::asio::awaitable<void> probe(Lease lease, InFlightSlot slot);
  boost::asio::awaitable<LeaseResult> lease_key(LeaseRequest request);
  boost::asio::awaitable<LeaseResult> lease_on_key_thread(LeaseRequest request);
  boost::asio::awaitable<FinishEffect> finish_lease(Lease lease, CallOutcome outcome);
  boost::asio::awaitable<FinishEffect> finish_on_key_thread(Lease lease, CallOutcome outcome);
  boost::asio::awaitable<Upkeep> upkeep();
  boost::asio::awaitable<Upkeep> upkeep_on_key_thread();
  boost::asio::awaitable<void> sleep_until(SteadyTime when);
  boost::asio::awaitable<void> maintain(SteadyTime now, SteadyTime& wake_at);
  void enqueue(PendingTask pending);
  void dequeued(const PendingTask& pending);
  void complete(PendingTask& pending, messages::AssessmentResult result);
  // With rule_fallback on, answers the task by rules (rule_assessment.h)
  // and returns true; `reason` labels tmon_rule_assessments_total.
  bool answer_by_rules(PendingTask& pending, const char* reason);
  void expire_overdue();
  // Sizes a lease request for the head task and its frame mates: their
  // prompts' tokens summed per model, their replies' token caps summed.
  void widen_for_batch(LeaseRequest& request, const std::vector<uint64_t>& mates) const;
  void notify();  // wakes the loop; on the strand
  // Runs `work` on the strand unless the dispatcher is destroyed first.
  void post_while_alive(std::function<void(Dispatcher&)> work);
  // `count_call`: whether this reply is counted in llm_calls_total (a
  // batch's failure is counted once, for all its tasks).
  void finish_result(PendingTask& pending, const Lease& lease, const llm::CallResult& reply,
                     Millis latency, bool count_call = true);

  DispatcherOptions options_;
  KeyPool& keys_;
  llm::LlmClient& llm_;
  Clock& clock_;
  SchedulerMetrics& metrics_;
  RetryPolicy retry_;
  std::mt19937_64 jitter_;

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  ClockTimer wake_;
  boost::asio::thread_pool key_thread_{1};
  TaskQueue queue_;               // strand only
  bool wake_pending_ = false;     // strand only
  config::LlmConfig llm_config_;  // strand only
  // When the loop was first denied a permit for the task at the head of the
  // queue (strand only); nullopt while permits come at once.
  std::optional<SteadyTime> permit_denied_since_;
  SteadyTime next_upkeep_{};  // strand only
  bool warmed_ = false;       // strand only: the pool was filled once before any call
  std::optional<SteadyTime> next_probe_;

  std::atomic<size_t> queued_{0};
  std::atomic<size_t> queued_bytes_{0};
  std::atomic<bool> accepting_{true};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> looping_{false};
  std::atomic<uint64_t> sleeps_{0};
  std::shared_ptr<SlotBoard> board_ = std::make_shared<SlotBoard>();
};

}  // namespace tmon::schedule
