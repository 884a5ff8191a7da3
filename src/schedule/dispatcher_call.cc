// Dispatcher: one call of a task (or a probe of a disabled key) and what its
// reply means; the loop and the queue are in dispatcher.cc.
#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include "common/logging.h"
#include "llm/response_parser.h"
#include "schedule/call_decision.h"
#include "schedule/dispatcher.h"
#include "schedule/rule_assessment.h"
#include "schedule/task_result.h"

namespace tmon::schedule {
namespace asio = boost::asio;
using messages::ResultStatus;

CallOutcome outcome_of(const llm::CallResult& reply, Millis latency) {
  CallOutcome outcome;
  outcome.latency = latency;
  if (reply) {
    outcome.total_tokens = reply->usage.total_tokens;
    outcome.completion_tokens = reply->usage.completion_tokens;
  } else {
    outcome.error = reply.error().kind;
    outcome.throttle = reply.error().throttle;
    outcome.provider_code = reply.error().provider_code;
    outcome.retry_after = reply.error().retry_after;
  }
  return outcome;
}

asio::awaitable<void> Dispatcher::call(PendingTask pending, Lease lease, InFlightSlot slot) {
  const auto& task = pending.task;
  const int64_t sent_ms = clock_.epoch_ms();
  if (pending.first_send_ms < 0) pending.first_send_ms = sent_ms;
  ++pending.attempts;
  if (lease.model != pending.request.model) {
    metrics_.fallback_calls.Add({{"model", lease.model}}).Increment();
  }
  pending.request.model = lease.model;
  const SentCall sent = co_await send_on_lease(pending.request, lease, task.deadlineTs, sent_ms);
  finish_result(pending, lease, sent.reply, sent.latency);
  (void)slot;  // released here, whatever happened above
}

asio::awaitable<Dispatcher::SentCall> Dispatcher::send_on_lease(llm::ChatRequest request,
                                                                const Lease& lease,
                                                                int64_t deadline_ms,
                                                                int64_t sent_ms) {
  const Millis timeout =
      std::max(Millis(1), std::min(options_.call_timeout, Millis(deadline_ms - sent_ms)));
  const SteadyTime started = clock_.now();
  // The permit → provider spread, which the window margin must cover, ends
  // when the body has been written whole, not when the send begins: a
  // 120 KB crop takes longer to serialise and write than a 3 KB one, and
  // the provider counts the request only once it has it.
  std::optional<SteadyTime> written;
  request.on_written = [this, &lease, &written] {
    written = clock_.now();
    asio::post(key_thread_, [this, lease, at = *written] { keys_.observe_send(lease, at); });
  };
  size_t body_bytes = request.image_base64.size();
  for (const auto& image : request.images) body_bytes += image.base64.size();
  llm::CallResult reply = co_await llm_.complete(std::move(request), lease.secret, timeout);
  const auto latency = std::chrono::duration_cast<Millis>(clock_.now() - started);
  const FinishEffect effect = co_await finish_lease(lease, outcome_of(reply, latency));
  if (effect.margin_grew) metrics_.margin_increases.Increment();
  if (!reply && (reply.error().kind == llm::CallErrorKind::kRateLimited ||
                 reply.error().kind == llm::CallErrorKind::kQuotaThrottled)) {
    metrics_.record_rate_limited(lease.account, reply.error());
    log_refusal(lease, reply.error(), effect, started, written, body_bytes);
  }
  if (effect.disabled) metrics_.keys_disabled.Add({{"key_id", lease.key_id}}).Increment();
  co_return SentCall{std::move(reply), latency};
}

void Dispatcher::log_refusal(const Lease& lease, const llm::CallError& error,
                             const FinishEffect& effect, SteadyTime started,
                             std::optional<SteadyTime> written, size_t image_bytes) const {
  // Which window refused (the code), how late this request and the account's
  // permits just before it reached the provider after their permits, and
  // what the pool did about it; to be read against the provider's side
  // (`tmon mock-llm`'s /__stats "refusals"). Key ids only, never a secret.
  const SteadyTime now = clock_.now();
  const auto ms = [](SteadyTime from, SteadyTime to) {
    return std::chrono::duration_cast<Millis>(to - from).count();
  };
  const int64_t permit_epoch_ms = clock_.epoch_ms() - ms(lease.granted_at, now);
  const std::string margin =
      effect.margin_grew
          ? fmt::format("{} ms, now {} ms", lease.margin.count(), effect.margin_after.count())
          : fmt::format("{} ms", lease.margin.count());
  const std::string rest = effect.cooled_for > Millis(0)
                               ? fmt::format("rests {} ms", effect.cooled_for.count())
                               : std::string("rests until its next free slot");
  get_logger("schedule")
      ->warn(
          "429 {} on key_id={} account={} model={}: permit at epoch {} ms, send +{} ms, written "
          "{}, image {} bytes, tokens charged {}, margin {}; {}; the account's permits before "
          "it: {}",
          error.provider_code.empty() ? "(no code)" : error.provider_code, lease.key_id,
          lease.limiter_account, lease.model, permit_epoch_ms, ms(lease.granted_at, started),
          written ? "+" + std::to_string(ms(lease.granted_at, *written)) + " ms" : "never",
          image_bytes, lease.tokens.tokens, margin, rest,
          effect.permits_before.empty() ? "none" : effect.permits_before);
}

void Dispatcher::finish_result(PendingTask& pending, const Lease& lease,
                               const llm::CallResult& reply, Millis latency, bool count_call) {
  const auto& task = pending.task;
  const int64_t now = clock_.epoch_ms();
  CallFacts facts;
  facts.attempts = pending.attempts;
  facts.now_ms = now;
  facts.deadline_ms = task.deadlineTs;
  facts.stopping = stopping_;
  std::optional<messages::RiskAssessment> assessment;
  if (reply) {
    auto parsed = llm::parse_risk_assessment(reply->content, task.groupIndex);
    if (parsed) {
      assessment = std::move(*parsed);
    } else {
      facts.parse_error = parsed.error().message;
    }
  } else {
    facts.error = reply.error();
    if (RetryPolicy::is_transient(reply.error().kind)) ++pending.transient_failures;
  }
  facts.transient_failures = pending.transient_failures;
  // A reply we cannot use counts as bad_response, like one the client
  // already rejected: the call did not yield an assessment.
  if (count_call) {
    metrics_.record_call(
        lease.key_id, lease.account,
        reply ? (assessment ? kCallSuccess : "bad_response") : call_status(reply.error().kind),
        latency);
  }

  const CallVerdict verdict = decide_after_call(facts, retry_, jitter_);
  if (!reply) pending.last_error = verdict.message;
  // The provider could not serve the task in time (throttled, refused, down):
  // the rules stand in. A request the provider calls wrong (400) or a reply
  // we cannot read is our fault, not the provider's absence: those stay errors.
  const bool provider_failed = !reply && reply.error().kind != llm::CallErrorKind::kBadRequest &&
                               reply.error().kind != llm::CallErrorKind::kBadResponse;
  if ((verdict.step == NextStep::kExpired ||
       (verdict.step == NextStep::kError && provider_failed)) &&
      answer_by_rules(pending,
                      verdict.step == NextStep::kExpired ? "deadline" : "provider_error")) {
    return;
  }
  std::optional<messages::AssessmentResult> result;
  switch (verdict.step) {
    case NextStep::kAbandon:
      // Shutting down: no result, so the offset stays uncommitted and the
      // task is retried by whoever owns the partition next.
      return;
    case NextStep::kRetry:
      get_logger("schedule")
          ->debug("task={} key_id={} attempt={} failed, retrying: {}", task.taskId, lease.key_id,
                  pending.attempts, verdict.message);
      pending.tried.insert(lease.key_id);
      pending.not_before_ms = now + verdict.backoff.count();
      metrics_.retries.Add({{"reason", std::string(call_status(reply.error().kind))}}).Increment();
      ++queued_;
      queued_bytes_ += pending.bytes;
      enqueue(std::move(pending));
      return;
    case NextStep::kOk:
      result = result_for(task, ResultStatus::kOk, now);
      result->source = "llm";
      for (auto& risk : assessment->results) risk.source = "llm";
      result->riskAssessment = std::move(*assessment);
      break;
    case NextStep::kError:
      result = error_result(task, ResultStatus::kError, verdict.code, verdict.message, now);
      break;
    case NextStep::kExpired:
      result = error_result(task, ResultStatus::kExpired, verdict.code, verdict.message, now);
      break;
  }
  if (reply) {
    result->metadata.promptTokens = reply->usage.prompt_tokens;
    result->metadata.completionTokens = reply->usage.completion_tokens;
    result->metadata.totalTokens = reply->usage.total_tokens;
  }
  result->metadata.llmLatencyMs = latency.count();
  result->metadata.apiKeyId = lease.key_id;
  complete(pending, std::move(*result));
}

asio::awaitable<void> Dispatcher::probe(Lease lease, InFlightSlot slot) {
  // The smallest request that proves a key works: no image, one token back.
  llm::ChatRequest request;
  request.model = lease.model;
  request.system_prompt = "ping";
  request.user_text = "ping";
  request.max_tokens = 1;
  request.temperature = 0;
  const SteadyTime started = clock_.now();
  const llm::CallResult reply =
      co_await llm_.complete(std::move(request), lease.secret, options_.call_timeout);
  const auto latency = std::chrono::duration_cast<Millis>(clock_.now() - started);
  const FinishEffect effect = co_await finish_lease(lease, outcome_of(reply, latency));
  if (!reply && (reply.error().kind == llm::CallErrorKind::kRateLimited ||
                 reply.error().kind == llm::CallErrorKind::kQuotaThrottled)) {
    // A probe's body is a few bytes, written as it is sent.
    log_refusal(lease, reply.error(), effect, started, started, 0);
  }
  const std::string result = effect.reenabled ? "reenabled"
                             : reply          ? "ok"
                                              : std::string(call_status(reply.error().kind));
  metrics_.key_probes.Add({{"key_id", lease.key_id}, {"result", result}}).Increment();
  if (!effect.reenabled) {
    get_logger("schedule")
        ->info("key_id={} probe: still refused ({})", lease.key_id,
               reply ? "ok" : reply.error().provider_code);
  }
  (void)slot;
}

}  // namespace tmon::schedule
