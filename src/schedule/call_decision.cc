#include "schedule/call_decision.h"

namespace tmon::schedule {

CallVerdict decide_after_call(const CallFacts& facts, const RetryPolicy& retry,
                              std::mt19937_64& jitter) {
  if (!facts.error) {
    if (facts.parse_error) return {NextStep::kError, "bad_response", *facts.parse_error};
    return {NextStep::kOk, "", ""};
  }
  const llm::CallError& error = *facts.error;
  const std::string what = std::string(llm::to_string(error.kind)) + ": " + error.message;
  const RetryDecision decision =
      retry.after_failure(error.kind, facts.attempts, facts.transient_failures, jitter);
  if (!decision.retry) {
    return {NextStep::kError, std::string(llm::to_string(error.kind)), error.message};
  }
  if (facts.stopping) return {NextStep::kAbandon, "", what};
  if (facts.now_ms + decision.backoff.count() >= facts.deadline_ms) {
    return {NextStep::kExpired, "deadline_exceeded", "no time left to retry: " + what};
  }
  return {NextStep::kRetry, "", what, decision.backoff};
}

}  // namespace tmon::schedule
