#include "schedule/retry_policy.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

using llm::CallErrorKind;

struct Row {
  CallErrorKind kind;
  int attempts;
  int transient;
  bool retry;
};

class RetryPolicyRowTest : public ::testing::TestWithParam<Row> {};

TEST_P(RetryPolicyRowTest, DecidesByErrorClassAndBudget) {
  const Row& row = GetParam();
  std::mt19937_64 jitter(7);
  const RetryDecision decision =
      RetryPolicy(3).after_failure(row.kind, row.attempts, row.transient, jitter);
  EXPECT_EQ(decision.retry, row.retry) << llm::to_string(row.kind) << " attempts=" << row.attempts;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, RetryPolicyRowTest,
    ::testing::Values(
        // Key and account faults: another key, right away, whatever the budget.
        Row{CallErrorKind::kRateLimited, 5, 0, true}, Row{CallErrorKind::kAuthFailed, 5, 0, true},
        Row{CallErrorKind::kQuotaExhausted, 5, 0, true},
        // Call faults spend the budget of 3 attempts.
        Row{CallErrorKind::kServerError, 1, 1, true}, Row{CallErrorKind::kTimeout, 2, 2, true},
        Row{CallErrorKind::kConnection, 3, 3, false}, Row{CallErrorKind::kServerError, 4, 3, false},
        // Final at once.
        Row{CallErrorKind::kBadRequest, 1, 0, false}, Row{CallErrorKind::kBadResponse, 1, 0, false},
        // The safety net: 4 x 3 calls at most, even for 429s.
        Row{CallErrorKind::kRateLimited, 12, 0, false}));

TEST(RetryPolicyTest, TransientBackoffGrowsWithJitterUnderTheCap) {
  RetryPolicy policy(10, Millis(200), Millis(1000));
  std::mt19937_64 jitter(1);
  for (int failures = 1; failures <= 6; ++failures) {
    const Millis ceiling = std::min(Millis(200 << (failures - 1)), Millis(1000));
    for (int i = 0; i < 50; ++i) {
      const auto decision =
          policy.after_failure(CallErrorKind::kServerError, failures, failures, jitter);
      ASSERT_TRUE(decision.retry);
      EXPECT_GE(decision.backoff, ceiling / 2);
      EXPECT_LE(decision.backoff, ceiling);
    }
  }
}

TEST(RetryPolicyTest, KeyFaultsRetryWithoutBackoff) {
  std::mt19937_64 jitter(1);
  EXPECT_EQ(RetryPolicy(3).after_failure(CallErrorKind::kRateLimited, 1, 0, jitter).backoff,
            Millis(0));
}

}  // namespace
}  // namespace tmon::schedule
