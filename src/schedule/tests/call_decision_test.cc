#include "schedule/call_decision.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

using Kind = llm::CallErrorKind;

struct Row {
  const char* name;
  std::optional<Kind> error;  // nullopt: a 2xx reply
  bool parse_error;
  int attempts;
  int transient_failures;
  int64_t deadline_in_ms;
  bool stopping;
  NextStep step;
  const char* code;
};

class CallDecisionTest : public ::testing::TestWithParam<Row> {};

TEST_P(CallDecisionTest, DecidesResultOrRetry) {
  const Row& row = GetParam();
  CallFacts facts;
  if (row.error) facts.error = llm::CallError{*row.error, 0, std::nullopt, "", "scripted"};
  if (row.parse_error) facts.parse_error = "no JSON";
  facts.attempts = row.attempts;
  facts.transient_failures = row.transient_failures;
  facts.now_ms = 1'000'000;
  facts.deadline_ms = facts.now_ms + row.deadline_in_ms;
  facts.stopping = row.stopping;
  std::mt19937_64 jitter(1);
  const CallVerdict verdict = decide_after_call(facts, RetryPolicy(3), jitter);
  EXPECT_EQ(verdict.step, row.step) << row.name;
  EXPECT_EQ(verdict.code, row.code) << row.name;
  if (verdict.step == NextStep::kRetry && row.transient_failures > 0) {
    EXPECT_GT(verdict.backoff, Millis(0)) << row.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, CallDecisionTest,
    ::testing::Values(
        Row{"answer", std::nullopt, false, 1, 0, 5'000, false, NextStep::kOk, ""},
        Row{"unusable answer", std::nullopt, true, 1, 0, 5'000, false, NextStep::kError,
            "bad_response"},
        Row{"429 retries at once", Kind::kRateLimited, false, 1, 0, 5'000, false, NextStep::kRetry,
            ""},
        Row{"temporary quota retries", Kind::kQuotaThrottled, false, 1, 0, 5'000, false,
            NextStep::kRetry, ""},
        Row{"401 retries on another key", Kind::kAuthFailed, false, 1, 0, 5'000, false,
            NextStep::kRetry, ""},
        Row{"lasting quota retries on another key", Kind::kQuotaExhausted, false, 1, 0, 5'000,
            false, NextStep::kRetry, ""},
        Row{"5xx backs off", Kind::kServerError, false, 1, 1, 5'000, false, NextStep::kRetry, ""},
        Row{"timeout backs off", Kind::kTimeout, false, 2, 2, 5'000, false, NextStep::kRetry, ""},
        Row{"third transient failure is final", Kind::kConnection, false, 3, 3, 5'000, false,
            NextStep::kError, "connection"},
        Row{"400 is final", Kind::kBadRequest, false, 1, 0, 5'000, false, NextStep::kError,
            "bad_request"},
        Row{"unusable 200 from the client is final", Kind::kBadResponse, false, 1, 0, 5'000, false,
            NextStep::kError, "bad_response"},
        Row{"no time left for the backoff", Kind::kServerError, false, 1, 1, 50, false,
            NextStep::kExpired, "deadline_exceeded"},
        Row{"deadline now", Kind::kRateLimited, false, 1, 0, 0, false, NextStep::kExpired,
            "deadline_exceeded"},
        Row{"shutting down: replayed later", Kind::kRateLimited, false, 1, 0, 5'000, true,
            NextStep::kAbandon, ""},
        Row{"a final error is final even when stopping", Kind::kBadRequest, false, 1, 0, 5'000,
            true, NextStep::kError, "bad_request"},
        Row{"endless 429s end", Kind::kRateLimited, false, 12, 0, 5'000, false, NextStep::kError,
            "rate_limited"}));

}  // namespace
}  // namespace tmon::schedule
