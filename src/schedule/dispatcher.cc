#include "schedule/dispatcher.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>
#include <thread>

#include "common/logging.h"
#include "llm/prompt.h"
#include "llm/response_parser.h"
#include "schedule/task_result.h"

namespace tmon::schedule {
namespace asio = boost::asio;
using messages::ResultStatus;

namespace {

constexpr Millis kTick{50};

bool retry_on_another_key(llm::CallErrorKind kind) {
  switch (kind) {
    case llm::CallErrorKind::kRateLimited:
    case llm::CallErrorKind::kServerError:
    case llm::CallErrorKind::kTimeout:
    case llm::CallErrorKind::kConnection:
    case llm::CallErrorKind::kAuthFailed:
    case llm::CallErrorKind::kQuotaExhausted:
      return true;
    case llm::CallErrorKind::kBadRequest:
    case llm::CallErrorKind::kBadResponse:
      return false;
  }
  return false;
}

}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options, asio::io_context& io, KeyPool& keys,
                       llm::LlmClient& llm, config::LlmConfig llm_config, Clock& clock)
    : options_(std::move(options)),
      keys_(keys),
      llm_(llm),
      llm_config_(std::move(llm_config)),
      clock_(clock),
      jitter_(options_.seed),
      strand_(asio::make_strand(io)) {}

Dispatcher::~Dispatcher() {
  stop(Millis(0));
}

void Dispatcher::start() {
  ticking_ = true;
  // Re-pumps periodically: keys free up and deadlines pass without events.
  asio::co_spawn(
      strand_,
      [this]() -> asio::awaitable<void> {
        while (!stopping_) {
          pump();
          co_await sleep_for(kTick);
        }
        ticking_ = false;
      },
      asio::detached);
}

void Dispatcher::submit(messages::AssessmentTask task, Completion on_done) {
  if (!accepting_) return;  // stopping: the task stays uncommitted and is replayed
  ++queued_;
  asio::post(strand_, [this, pending = Pending{std::move(task), std::move(on_done),
                                               clock_.epoch_ms()}]() mutable {
    queue_.push_back(std::move(pending));
    pump();
  });
}

void Dispatcher::pump() {
  const int64_t now = clock_.epoch_ms();
  // Tasks past their deadline are answered right away instead of costing a call.
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (now < it->task.deadlineTs) {
      ++it;
      continue;
    }
    auto result = error_result(it->task, ResultStatus::kExpired, "deadline_exceeded",
                               "deadline passed while waiting for a key", now);
    result.metadata.queueWaitMs = now - it->submitted_ms;
    result.metadata.schedulerInstance = options_.instance_id;
    it->on_done(std::move(result));
    it = queue_.erase(it);
    --queued_;
  }
  while (!queue_.empty() && in_flight_ < static_cast<size_t>(options_.max_concurrent_tasks) &&
         keys_.available() > 0) {
    Pending pending = std::move(queue_.front());
    queue_.pop_front();
    --queued_;
    ++in_flight_;
    asio::co_spawn(strand_, run(std::move(pending)), asio::detached);
  }
}

asio::awaitable<void> Dispatcher::sleep_for(Millis duration) {
  asio::steady_timer timer(strand_, duration);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

Millis Dispatcher::backoff(int attempt) {
  // Exponential from 100 ms with full jitter, so retries of many tasks that
  // failed together do not hit the provider together.
  const int64_t cap = std::min<int64_t>(100LL << std::min(attempt, 6), 5'000);
  return Millis(std::uniform_int_distribution<int64_t>(cap / 2, cap)(jitter_));
}

asio::awaitable<void> Dispatcher::run(Pending pending) {
  const auto& task = pending.task;
  const llm::ChatRequest request = llm::build_chat_request(task, llm_config_);
  const auto logger = get_logger("schedule");
  std::set<std::string> tried;
  std::optional<messages::AssessmentResult> result;
  std::string last_error = "no attempt made";
  int attempts = 0;
  int64_t first_send_ms = -1;

  while (!result) {
    const int64_t now = clock_.epoch_ms();
    if (now >= task.deadlineTs) {
      result = error_result(task, ResultStatus::kExpired, "deadline_exceeded",
                            "deadline passed: " + last_error, now);
      break;
    }
    auto lease = keys_.acquire(tried);
    if (!lease && !tried.empty()) {
      tried.clear();  // every key failed once: any key is better than none
      lease = keys_.acquire(tried);
    }
    if (!lease) {
      co_await sleep_for(kTick);
      continue;
    }
    ++attempts;
    if (first_send_ms < 0) first_send_ms = now;
    const Millis timeout = std::min(options_.call_timeout, Millis(task.deadlineTs - now));
    const auto started = clock_.now();
    const llm::CallResult call = co_await llm_.complete(request, lease->secret, timeout);
    const auto latency = std::chrono::duration_cast<Millis>(clock_.now() - started);
    keys_.release(lease->id);

    if (call) {
      auto assessment = llm::parse_risk_assessment(call->content, task.groupIndex);
      const int64_t done = clock_.epoch_ms();
      if (assessment) {
        result = result_for(task, ResultStatus::kOk, done);
        result->riskAssessment = std::move(*assessment);
      } else {
        result = error_result(task, ResultStatus::kError, "bad_response",
                              assessment.error().message, done);
      }
      result->metadata.promptTokens = call->usage.prompt_tokens;
      result->metadata.completionTokens = call->usage.completion_tokens;
      result->metadata.totalTokens = call->usage.total_tokens;
      result->metadata.llmLatencyMs = latency.count();
      result->metadata.apiKeyId = lease->id;
      break;
    }

    const llm::CallError& error = call.error();
    last_error = std::string(llm::to_string(error.kind)) + ": " + error.message;
    logger->debug("task={} key_id={} attempt={} failed: {}", task.taskId, lease->id, attempts,
                  last_error);
    if (error.kind == llm::CallErrorKind::kAuthFailed ||
        error.kind == llm::CallErrorKind::kQuotaExhausted) {
      logger->error("key_id={} disabled: {} ({})", lease->id, llm::to_string(error.kind),
                    error.provider_code);
      keys_.disable(lease->id, std::string(llm::to_string(error.kind)));
    }
    if (!retry_on_another_key(error.kind) || attempts >= options_.retry_max_attempts) {
      result = error_result(task, ResultStatus::kError, std::string(llm::to_string(error.kind)),
                            error.message, clock_.epoch_ms());
      result->metadata.llmLatencyMs = latency.count();
      result->metadata.apiKeyId = lease->id;
      break;
    }
    tried.insert(lease->id);
    co_await sleep_for(backoff(attempts));
  }

  result->metadata.attempts = attempts;
  result->metadata.llmModel = llm_config_.model;
  result->metadata.queueWaitMs =
      (first_send_ms < 0 ? clock_.epoch_ms() : first_send_ms) - pending.submitted_ms;
  result->metadata.schedulerInstance = options_.instance_id;
  pending.on_done(std::move(*result));
  --in_flight_;
  pump();
}

void Dispatcher::stop(Millis timeout) {
  if (!accepting_.exchange(false)) return;
  asio::post(strand_, [this] {
    queued_ -= queue_.size();
    queue_.clear();
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
  // The tick loop notices within one tick, if the io_context still runs.
  const auto tick_deadline = std::chrono::steady_clock::now() + 4 * kTick;
  while (ticking_ && std::chrono::steady_clock::now() < tick_deadline) {
    std::this_thread::sleep_for(Millis(5));
  }
}
}  // namespace tmon::schedule
