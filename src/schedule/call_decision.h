#pragma once

#include <optional>
#include <random>
#include <string>

#include "llm/chat.h"
#include "schedule/retry_policy.h"

namespace tmon::schedule {

// What one call taught about its task.
struct CallFacts {
  std::optional<llm::CallError> error;     // nullopt: the provider answered 2xx
  std::optional<std::string> parse_error;  // answered, but no usable assessment
  int attempts = 1;                        // calls made for the task, this one included
  int transient_failures = 0;              // of those, 5xx / timeouts / connection errors
  int64_t now_ms = 0;
  int64_t deadline_ms = 0;
  bool stopping = false;  // the scheduler is shutting down
};

enum class NextStep {
  kOk,       // a result with the assessment
  kError,    // a final error result (code, message)
  kExpired,  // a retry would not fit in the deadline: expired (code, message)
  kRetry,    // back into the queue after `backoff`, on another key
  kAbandon,  // shutting down: no result, the offset stays uncommitted and is replayed
};

struct CallVerdict {
  NextStep step = NextStep::kOk;
  std::string code;  // kError / kExpired
  std::string message;
  Millis backoff{0};  // kRetry
};

// The "reply → result or retry" decision, apart from any I/O so that it is
// tested as a table: a usable reply is ok, an unusable one bad_response; a
// failure goes through the RetryPolicy, and a retry that would not fit in
// the deadline (or one during shutdown) ends otherwise.
//
// Pure logic; `jitter` only spreads retry backoffs.
CallVerdict decide_after_call(const CallFacts& facts, const RetryPolicy& retry,
                              std::mt19937_64& jitter);

}  // namespace tmon::schedule
