#include "schedule/dispatcher.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "common/logging.h"
#include "llm/prompt.h"
#include "llm/response_parser.h"
#include "schedule/task_result.h"

namespace tmon::schedule {
namespace asio = boost::asio;
using messages::ResultStatus;

namespace {

// The loop also wakes this often when nothing happens, to notice deadlines
// and permits it was not told about (another instance freed an account).
constexpr Millis kIdleWake{250};

}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options, asio::io_context& io, KeyPool& keys,
                       llm::LlmClient& llm, config::LlmConfig llm_config, Clock& clock,
                       SchedulerMetrics* metrics)
    : options_(std::move(options)),
      keys_(keys),
      llm_(llm),
      clock_(clock),
      metrics_(metrics),
      retry_(options_.retry_max_attempts),
      jitter_(options_.seed),
      strand_(asio::make_strand(io)),
      wake_(strand_),
      llm_config_(std::move(llm_config)) {}

Dispatcher::~Dispatcher() {
  stop(Millis(0));
  key_thread_.join();
}

void Dispatcher::start() {
  looping_ = true;
  asio::co_spawn(strand_, loop(), asio::detached);
}

void Dispatcher::set_llm_config(config::LlmConfig llm_config) {
  asio::post(strand_, [this, llm_config = std::move(llm_config)]() mutable {
    llm_config_ = std::move(llm_config);
  });
}

void Dispatcher::submit(messages::AssessmentTask task, Completion on_done) {
  if (!accepting_) return;  // stopping: the task stays uncommitted and is replayed
  ++queued_;
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.submitted;
  }
  asio::post(strand_, [this, task = std::move(task), on_done = std::move(on_done)]() mutable {
    const int64_t now = clock_.epoch_ms();
    // Tasks in the original format carry no capture time or deadline: count from arrival.
    if (task.captureTs <= 0) task.captureTs = now;
    if (task.deadlineTs <= 0) task.deadlineTs = now + options_.default_max_age.count();
    PendingTask pending;
    pending.request = llm::build_chat_request(task, llm_config_);
    pending.task = std::move(task);
    pending.on_done = std::move(on_done);
    pending.submitted_ms = now;
    enqueue(std::move(pending));
  });
}

void Dispatcher::enqueue(PendingTask pending) {
  if (auto superseded = queue_.push(std::move(pending))) {
    --queued_;
    complete(*superseded,
             error_result(superseded->task, ResultStatus::kRejected, "superseded",
                          "a newer frame of this camera group replaced the task while it waited",
                          clock_.epoch_ms()));
  }
  notify();
}

void Dispatcher::notify() {
  wake_pending_ = true;
  wake_.cancel();
}

void Dispatcher::complete(PendingTask& pending, messages::AssessmentResult result) {
  auto& m = result.metadata;
  m.attempts = pending.attempts;
  m.llmModel = pending.request.model;
  m.schedulerInstance = options_.instance_id;
  m.queueWaitMs = (pending.first_send_ms < 0 ? clock_.epoch_ms() : pending.first_send_ms) -
                  pending.submitted_ms;
  {
    std::lock_guard lock(stats_mu_);
    switch (result.status) {
      case ResultStatus::kOk:
        ++stats_.ok;
        break;
      case ResultStatus::kError:
        ++stats_.errors;
        ++stats_.errors_by_code[result.code];
        break;
      case ResultStatus::kExpired:
        ++stats_.expired;
        break;
      case ResultStatus::kRejected:
        ++stats_.rejected;
        break;
    }
  }
  if (metrics_) {
    metrics_->results.Add({{"status", std::string(messages::to_string(result.status))}})
        .Increment();
    if (result.status == ResultStatus::kExpired) {
      metrics_->tasks_expired.Add({{"stage", "schedule"}}).Increment();
    }
  }
  pending.on_done(std::move(result));
}

void Dispatcher::expire_overdue() {
  const int64_t now = clock_.epoch_ms();
  for (auto& pending : queue_.take_expired(now)) {
    --queued_;
    complete(pending,
             error_result(pending.task, ResultStatus::kExpired, "deadline_exceeded",
                          pending.retry() ? "deadline passed before a retry: " + pending.last_error
                                          : "deadline passed while waiting for a key",
                          now));
  }
}

asio::awaitable<void> Dispatcher::sleep_until(SteadyTime when) {
  if (wake_pending_) {
    wake_pending_ = false;
    co_return;
  }
  wake_.expires_at(std::min(when, clock_.now() + kIdleWake));
  boost::system::error_code ignored;
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  wake_pending_ = false;
}

// KeyPool calls may block on a shared (Redis) limiter, so they run on the key
// thread, never on the strand that runs the sockets. (Member coroutines, not
// capturing lambdas: GCC 12 mis-destroys coroutine lambda captures.)
asio::awaitable<LeaseResult> Dispatcher::lease_key(std::set<std::string> avoid) {
  co_return co_await asio::co_spawn(key_thread_, lease_on_key_thread(std::move(avoid)),
                                    asio::use_awaitable);
}

asio::awaitable<LeaseResult> Dispatcher::lease_on_key_thread(std::set<std::string> avoid) {
  co_return keys_.lease(avoid);
}

asio::awaitable<void> Dispatcher::finish_lease(Lease lease, CallOutcome outcome) {
  co_await asio::co_spawn(key_thread_, finish_on_key_thread(std::move(lease), std::move(outcome)),
                          asio::use_awaitable);
}

asio::awaitable<void> Dispatcher::finish_on_key_thread(Lease lease, CallOutcome outcome) {
  if (outcome.cancelled) {
    keys_.cancel(lease);
  } else {
    keys_.finish(lease, outcome);
  }
  co_return;
}

asio::awaitable<void> Dispatcher::loop() {
  while (!stopping_) {
    expire_overdue();
    const int64_t now_ms = clock_.epoch_ms();
    SteadyTime wake_at = clock_.now() + kIdleWake;
    const PendingTask* best = queue_.peek_ready(now_ms);
    if (best && in_flight_ < static_cast<size_t>(options_.max_concurrent_tasks)) {
      LeaseResult leased = co_await lease_key(best->tried);
      if (leased.lease) {
        // The time the head of the queue waited for this permit; attributed
        // to whichever task now gets the key (it waited at least as long
        // unless it arrived meanwhile).
        const Millis permit_wait =
            permit_denied_since_
                ? std::chrono::duration_cast<Millis>(clock_.now() - *permit_denied_since_)
                : Millis(0);
        permit_denied_since_.reset();
        // The queue may have changed while we waited; the best ready task gets the key.
        if (auto pending = queue_.pop_ready(clock_.epoch_ms())) {
          if (metrics_) metrics_->record_permit_wait(leased.lease->account, permit_wait);
          --queued_;
          ++in_flight_;
          asio::co_spawn(strand_, call(std::move(*pending), std::move(*leased.lease)),
                         asio::detached);
        } else {
          // Nothing left to send (all expired meanwhile): hand the key back.
          CallOutcome unused;
          unused.cancelled = true;
          co_await finish_lease(std::move(*leased.lease), std::move(unused));
        }
        continue;
      }
      if (!permit_denied_since_) permit_denied_since_ = clock_.now();
      wake_at = clock_.now() + leased.retry_in;
    } else if (!best) {
      permit_denied_since_.reset();  // nothing waits for a permit
    }
    if (const auto next = queue_.next_event_ms(clock_.epoch_ms())) {
      wake_at =
          std::min(wake_at, clock_.now() + Millis(std::max<int64_t>(0, *next - clock_.epoch_ms())));
    }
    co_await sleep_until(wake_at);
  }
  looping_ = false;
}

asio::awaitable<void> Dispatcher::call(PendingTask pending, Lease lease) {
  const auto& task = pending.task;
  const int64_t sent_ms = clock_.epoch_ms();
  if (pending.first_send_ms < 0) pending.first_send_ms = sent_ms;
  ++pending.attempts;
  const Millis timeout =
      std::max(Millis(1), std::min(options_.call_timeout, Millis(task.deadlineTs - sent_ms)));
  const SteadyTime started = clock_.now();
  const llm::CallResult reply = co_await llm_.complete(pending.request, lease.secret, timeout);
  const auto latency = std::chrono::duration_cast<Millis>(clock_.now() - started);

  CallOutcome outcome;
  outcome.latency = latency;
  if (reply) {
    outcome.total_tokens = reply->usage.total_tokens;
  } else {
    outcome.error = reply.error().kind;
    outcome.provider_code = reply.error().provider_code;
    outcome.retry_after = reply.error().retry_after;
  }
  co_await finish_lease(lease, outcome);
  if (metrics_ && !reply) {
    metrics_->record_call(lease.key_id, lease.account, call_status(reply.error().kind), latency);
    if (reply.error().kind == llm::CallErrorKind::kRateLimited) {
      metrics_->record_rate_limited(lease.account, reply.error());
    }
  }

  std::optional<messages::AssessmentResult> result;
  const int64_t now = clock_.epoch_ms();
  if (reply) {
    auto assessment = llm::parse_risk_assessment(reply->content, task.groupIndex);
    // A reply we cannot use counts as bad_response, like one the client
    // already rejected: the call did not yield an assessment.
    if (metrics_) {
      metrics_->record_call(lease.key_id, lease.account, assessment ? "ok" : "bad_response",
                            latency);
    }
    if (assessment) {
      result = result_for(task, ResultStatus::kOk, now);
      result->riskAssessment = std::move(*assessment);
    } else {
      result =
          error_result(task, ResultStatus::kError, "bad_response", assessment.error().message, now);
    }
    result->metadata.promptTokens = reply->usage.prompt_tokens;
    result->metadata.completionTokens = reply->usage.completion_tokens;
    result->metadata.totalTokens = reply->usage.total_tokens;
  } else {
    const llm::CallError& error = reply.error();
    pending.last_error = std::string(llm::to_string(error.kind)) + ": " + error.message;
    if (RetryPolicy::is_transient(error.kind)) ++pending.transient_failures;
    const RetryDecision decision =
        retry_.after_failure(error.kind, pending.attempts, pending.transient_failures, jitter_);
    if (decision.retry && stopping_) {
      // Shutting down: no result, so the offset stays uncommitted and the
      // task is retried by whoever owns the partition next.
      --in_flight_;
      co_return;
    }
    if (decision.retry && now + decision.backoff.count() < task.deadlineTs) {
      get_logger("schedule")
          ->debug("task={} key_id={} attempt={} failed, retrying: {}", task.taskId, lease.key_id,
                  pending.attempts, pending.last_error);
      pending.tried.insert(lease.key_id);
      pending.not_before_ms = now + decision.backoff.count();
      {
        std::lock_guard lock(stats_mu_);
        ++stats_.retries;
      }
      if (metrics_) {
        metrics_->retries.Add({{"reason", std::string(call_status(error.kind))}}).Increment();
      }
      --in_flight_;
      ++queued_;
      enqueue(std::move(pending));
      co_return;
    }
    const bool out_of_time = decision.retry;
    result = out_of_time
                 ? error_result(task, ResultStatus::kExpired, "deadline_exceeded",
                                "no time left to retry: " + pending.last_error, now)
                 : error_result(task, ResultStatus::kError, std::string(llm::to_string(error.kind)),
                                error.message, now);
  }
  result->metadata.llmLatencyMs = latency.count();
  result->metadata.apiKeyId = lease.key_id;
  complete(pending, std::move(*result));
  --in_flight_;
  notify();
}

void Dispatcher::stop(Millis timeout) {
  if (!accepting_.exchange(false)) return;
  asio::post(strand_, [this] {
    // Waiting tasks get no result: their offsets stay uncommitted and the
    // next owner of the partition assesses them.
    queued_ -= queue_.clear().size();
  });
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (in_flight_ > 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(Millis(10));
  }
  if (in_flight_ > 0) {
    get_logger("schedule")
        ->warn(
            "{} calls still in flight at shutdown; their tasks will be "
            "replayed",
            in_flight_.load());
  }
  stopping_ = true;
  asio::post(strand_, [this] { notify(); });
  const auto loop_deadline = std::chrono::steady_clock::now() + Millis(1000);
  while (looping_ && std::chrono::steady_clock::now() < loop_deadline) {
    std::this_thread::sleep_for(Millis(5));
  }
}

DispatcherStats Dispatcher::stats() const {
  std::lock_guard lock(stats_mu_);
  DispatcherStats out = stats_;
  out.queued = queued_.load();
  out.in_flight = in_flight_.load();
  return out;
}

}  // namespace tmon::schedule
