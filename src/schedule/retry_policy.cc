#include "schedule/retry_policy.h"

#include <algorithm>

namespace tmon::schedule {

RetryPolicy::RetryPolicy(int max_attempts, Millis base, Millis cap)
    : max_attempts_(std::max(1, max_attempts)), base_(base), cap_(cap) {}

bool RetryPolicy::is_transient(llm::CallErrorKind kind) {
  switch (kind) {
    case llm::CallErrorKind::kServerError:
    case llm::CallErrorKind::kTimeout:
    case llm::CallErrorKind::kConnection:
      return true;
    case llm::CallErrorKind::kRateLimited:
    case llm::CallErrorKind::kQuotaThrottled:
    case llm::CallErrorKind::kAuthFailed:
    case llm::CallErrorKind::kQuotaExhausted:
    case llm::CallErrorKind::kBadRequest:
    case llm::CallErrorKind::kBadResponse:
      return false;
  }
  return false;
}

RetryDecision RetryPolicy::after_failure(llm::CallErrorKind kind, int attempts,
                                         int transient_failures, std::mt19937_64& jitter) const {
  if (attempts >= max_attempts_ * 4) return {};
  switch (kind) {
    case llm::CallErrorKind::kRateLimited:
    case llm::CallErrorKind::kQuotaThrottled:
    case llm::CallErrorKind::kAuthFailed:
    case llm::CallErrorKind::kQuotaExhausted:
      return {true, Millis(0)};
    case llm::CallErrorKind::kServerError:
    case llm::CallErrorKind::kTimeout:
    case llm::CallErrorKind::kConnection: {
      if (transient_failures >= max_attempts_) return {};
      const int64_t ceiling =
          std::min<int64_t>(base_.count() << std::min(transient_failures - 1, 16), cap_.count());
      return {true, Millis(std::uniform_int_distribution<int64_t>(ceiling / 2, ceiling)(jitter))};
    }
    case llm::CallErrorKind::kBadRequest:
    case llm::CallErrorKind::kBadResponse:
      return {};
  }
  return {};
}

}  // namespace tmon::schedule
