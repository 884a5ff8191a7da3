#pragma once

#include <random>

#include "common/clock.h"
#include "llm/chat.h"

namespace tmon::schedule {

struct RetryDecision {
  bool retry = false;
  Millis backoff{0};  // wait this long before the next attempt
};

// Whether a failed call is tried again, on another key, and when.
//
// Failures of the key or account (429, auth, quota) say nothing about the
// task: it goes back at once for a key with a permit. Failures of the call
// (5xx, timeout, connection) use up the task's `max_attempts` (the first
// attempt included) and back off exponentially from `base` with full jitter,
// so tasks that failed together do not return together. A bad request or an
// unusable reply is final. Every task is also bounded by its deadline (the
// dispatcher's job) and by `max_attempts * 4` calls in all, a safety net
// against a provider that keeps answering 429.
//
// Pure logic; the jitter source is passed in.
class RetryPolicy {
 public:
  RetryPolicy(int max_attempts, Millis base = Millis(200), Millis cap = Millis(5'000));

  // After a failed call: `attempts` calls made so far and `transient_failures`
  // among them (both counting this one).
  RetryDecision after_failure(llm::CallErrorKind kind, int attempts, int transient_failures,
                              std::mt19937_64& jitter) const;
  static bool is_transient(llm::CallErrorKind kind);
  int max_attempts() const { return max_attempts_; }

 private:
  int max_attempts_;
  Millis base_;
  Millis cap_;
};

}  // namespace tmon::schedule
