#include "schedule/local_rate_limiter.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

using std::chrono::milliseconds;

TEST(LocalRateLimiterTest, CoolingAccountGetsNoPermitUntilItsDeadline) {
  ManualClock clock;
  LocalRateLimiter limiter(clock);
  limiter.set_limits({{"a", 10, 600, 0}, {"b", 10, 600, 0}});
  limiter.cool_down("a", milliseconds(2000));
  const Permit denied = limiter.acquire({"a", 1});
  EXPECT_FALSE(denied.granted);
  EXPECT_EQ(denied.retry_in, milliseconds(2000));
  EXPECT_TRUE(limiter.acquire({"b", 1}).granted);  // accounts are independent
  clock.advance(milliseconds(1999));
  EXPECT_FALSE(limiter.acquire({"a", 1}).granted);
  clock.advance(milliseconds(1));
  EXPECT_TRUE(limiter.acquire({"a", 1}).granted);
}

TEST(LocalRateLimiterTest, ShorterCooldownNeverShortensALongerOne) {
  ManualClock clock;
  LocalRateLimiter limiter(clock);
  limiter.set_limits({{"a", 10, 600, 0}});
  limiter.cool_down("a", milliseconds(30'000));
  limiter.cool_down("a", milliseconds(1'000));
  EXPECT_EQ(limiter.cooldown_remaining("a"), milliseconds(30'000));
}

TEST(LocalRateLimiterTest, ReloadKeepsHistoryAndCooldowns) {
  ManualClock clock;
  LocalRateLimiter limiter(clock);
  limiter.set_limits({{"a", 10, 600, 0}});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(limiter.acquire({"a", 1}).granted);
  limiter.cool_down("a", milliseconds(500));
  limiter.set_limits({{"a", 20, 600, 0}});
  EXPECT_EQ(limiter.cooldown_remaining("a"), milliseconds(500));
  clock.advance(milliseconds(500));
  // 10 admitted a moment ago still count against the new 20.
  int granted = 0;
  for (int i = 0; i < 30; ++i) granted += limiter.acquire({"a", 1}).granted;
  EXPECT_EQ(granted, 10);
}

TEST(LocalRateLimiterTest, UnknownAccountIsDenied) {
  ManualClock clock;
  LocalRateLimiter limiter(clock);
  EXPECT_FALSE(limiter.acquire({"nobody", 1}).granted);
}

TEST(FairShareTest, SplitsEveryLimitAmongInstances) {
  const auto shares = fair_share({{"a", 10, 600, 90'000}}, 3);
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_DOUBLE_EQ(shares[0].per_second, 10.0 / 3);
  EXPECT_EQ(shares[0].per_minute, 200);
  EXPECT_EQ(shares[0].tokens_per_minute, 30'000);
}

}  // namespace
}  // namespace tmon::schedule
