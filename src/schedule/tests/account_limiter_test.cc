#include "schedule/account_limiter.h"

#include <gtest/gtest.h>

#include <deque>

namespace tmon::schedule {
namespace {

using std::chrono::milliseconds;

// The most events in any window of `length` ending at an event, as a
// provider judging sliding windows counts them.
int64_t max_in_any_window(const std::vector<SteadyTime>& events, Millis length) {
  std::deque<SteadyTime> window;
  int64_t most = 0;
  for (const auto at : events) {
    window.push_back(at);
    while (window.front() + length <= at) window.pop_front();
    most = std::max<int64_t>(most, static_cast<int64_t>(window.size()));
  }
  return most;
}

Permit acquire(AccountLimiter& limiter, int64_t tokens, SteadyTime now, Millis margin = Millis(0),
               double rate_fraction = 1.0) {
  return limiter.try_acquire({"a", tokens, margin, rate_fraction}, now);
}

// Asks for a permit every `step` for `duration` of simulated time.
std::vector<SteadyTime> hammer(AccountLimiter& limiter, ManualClock& clock, Millis step,
                               Millis duration, Millis margin = Millis(0)) {
  std::vector<SteadyTime> granted;
  const SteadyTime end = clock.now() + duration;
  while (clock.now() < end) {
    if (acquire(limiter, 1, clock.now(), margin).granted) granted.push_back(clock.now());
    clock.advance(step);
  }
  return granted;
}

TEST(AccountLimiterTest, ExactPermitsPerSecondOverSimulatedMinutes) {
  ManualClock clock;
  AccountLimiter limiter({"a", 10, 600, 0});
  const auto granted = hammer(limiter, clock, milliseconds(1), std::chrono::minutes(3));
  EXPECT_EQ(max_in_any_window(granted, milliseconds(1000)), 10);
  EXPECT_LE(max_in_any_window(granted, milliseconds(60'000)), 600);
  // 10 per second is 600 per minute: both limits bind, and nothing is lost.
  EXPECT_EQ(granted.size(), 1800u);
}

TEST(AccountLimiterTest, PerMinuteLimitBindsWhenTighter) {
  ManualClock clock;
  AccountLimiter limiter({"a", 10, 120, 0});
  const auto granted = hammer(limiter, clock, milliseconds(5), std::chrono::minutes(3));
  EXPECT_LE(max_in_any_window(granted, milliseconds(1000)), 10);
  EXPECT_EQ(max_in_any_window(granted, milliseconds(60'000)), 120);
  EXPECT_EQ(granted.size(), 360u);
}

TEST(AccountLimiterTest, BurstsUpToTheLimitThenPaces) {
  ManualClock clock;
  AccountLimiter limiter({"a", 5, 300, 0});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(acquire(limiter, 1, clock.now()).granted);
  const Permit denied = acquire(limiter, 1, clock.now());
  EXPECT_FALSE(denied.granted);
  EXPECT_EQ(denied.retry_in, milliseconds(1000));
  clock.advance(milliseconds(999));
  EXPECT_FALSE(acquire(limiter, 1, clock.now()).granted);
  clock.advance(milliseconds(1));
  EXPECT_TRUE(acquire(limiter, 1, clock.now()).granted);
}

TEST(AccountLimiterTest, MarginLengthensEveryWindow) {
  ManualClock clock;
  AccountLimiter limiter({"a", 10, 600, 0});
  const auto granted =
      hammer(limiter, clock, milliseconds(1), std::chrono::minutes(1), milliseconds(20));
  // Never 11 in any 1.02 s: the provider sees at most 10 per second even if
  // requests arrive up to 20 ms unevenly.
  EXPECT_EQ(max_in_any_window(granted, milliseconds(1020)), 10);
  EXPECT_GE(granted.size(), 588u);  // 2% of capacity is the price
}

TEST(AccountLimiterTest, FractionalRateSpreadsOverALongerWindow) {
  ManualClock clock;
  AccountLimiter limiter({"a", 0.5, 600, 0});
  const auto granted = hammer(limiter, clock, milliseconds(10), std::chrono::seconds(60));
  EXPECT_EQ(max_in_any_window(granted, milliseconds(2000)), 1);
  EXPECT_EQ(granted.size(), 30u);
}

TEST(AccountLimiterTest, TokensPerMinuteLimitsHeavyCalls) {
  ManualClock clock;
  AccountLimiter limiter({"a", 100, 6000, 10'000});
  int granted = 0;
  for (int i = 0; i < 100; ++i) granted += acquire(limiter, 1'000, clock.now()).granted;
  EXPECT_EQ(granted, 10);
  // Usage found out later replaces the charge: more than charged fills the window...
  clock.advance(std::chrono::minutes(1));
  const Permit heavy = acquire(limiter, 1'000, clock.now());
  ASSERT_TRUE(heavy.granted);
  ASSERT_GT(heavy.token_entry, 0);
  limiter.correct_tokens(heavy.token_entry, 9'500);
  EXPECT_TRUE(acquire(limiter, 500, clock.now()).granted);
  EXPECT_FALSE(acquire(limiter, 1, clock.now()).granted);
  EXPECT_EQ(limiter.tokens_used_this_minute(clock.now()), 10'000);
  // ...and less is a refund, at once.
  limiter.correct_tokens(heavy.token_entry, 500);
  EXPECT_EQ(limiter.tokens_used_this_minute(clock.now()), 1'000);
  EXPECT_TRUE(acquire(limiter, 9'000, clock.now()).granted);
}

// With a token pace a minute's tokens are not spent in a burst at the
// per-second limit: in any 4 s at most 1.25x their share of the minute.
TEST(AccountLimiterTest, TokenPaceSpreadsTheMinutesTokens) {
  ManualClock clock;
  AccountLimits limits{"a", 10, 6000, 60'000};
  limits.token_pace = std::chrono::seconds(4);
  AccountLimiter limiter(limits);
  EXPECT_EQ(token_pace_limit(60'000, std::chrono::seconds(4)), 5'000);
  int granted = 0;
  for (int i = 0; i < 10; ++i) granted += acquire(limiter, 1'000, clock.now()).granted;
  EXPECT_EQ(granted, 5);  // the second's limit (10) would have let all ten go
  EXPECT_EQ(acquire(limiter, 1'000, clock.now()).retry_in, std::chrono::seconds(4));
  // Within the minute the whole limit is still used: 5,000 per 4 s is
  // 75,000 per minute, so the minute's window binds, not the pace.
  int64_t charged = 5'000;
  const SteadyTime start = clock.now();
  while (clock.now() - start < milliseconds(59'900)) {
    clock.advance(milliseconds(100));
    while (acquire(limiter, 1'000, clock.now()).granted) charged += 1'000;
  }
  EXPECT_EQ(charged, 60'000);
  // Off (zero): no pacing, as before.
  AccountLimiter unpaced({"b", 100, 6000, 60'000});
  granted = 0;
  for (int i = 0; i < 10; ++i) granted += acquire(unpaced, 1'000, clock.now()).granted;
  EXPECT_EQ(granted, 10);
}

TEST(AccountLimiterTest, RefundKeepsTheChargeTimeSoItLeavesTheWindowOnTime) {
  ManualClock clock;
  AccountLimiter limiter({"a", 100, 6000, 1'000});
  const Permit charged = acquire(limiter, 1'000, clock.now());
  ASSERT_TRUE(charged.granted);
  clock.advance(std::chrono::seconds(30));
  limiter.correct_tokens(charged.token_entry, 600);  // corrected 30 s later
  EXPECT_EQ(acquire(limiter, 401, clock.now()).retry_in, std::chrono::seconds(30));
  clock.advance(std::chrono::milliseconds(29'999));
  EXPECT_FALSE(acquire(limiter, 401, clock.now()).granted);
  clock.advance(std::chrono::milliseconds(1));  // the charge's own minute is over
  EXPECT_TRUE(acquire(limiter, 1'000, clock.now()).granted);
}

TEST(AccountLimiterTest, MarginCanGrowAfterShrinkingWithoutForgettingCalls) {
  ManualClock clock;
  AccountLimiter limiter({"a", 2, 600, 0});
  ASSERT_TRUE(acquire(limiter, 0, clock.now()).granted);
  ASSERT_TRUE(acquire(limiter, 0, clock.now()).granted);
  clock.advance(milliseconds(1'005));
  // With no margin the first two have left; with 10 ms they still count.
  EXPECT_EQ(acquire(limiter, 0, clock.now(), milliseconds(10)).retry_in, milliseconds(5));
  clock.advance(milliseconds(5));
  EXPECT_TRUE(acquire(limiter, 0, clock.now(), milliseconds(10)).granted);
}

TEST(AccountLimiterTest, RateFractionRampsThePerSecondLimit) {
  ManualClock clock;
  AccountLimiter limiter({"a", 10, 600, 0});
  int granted = 0;
  for (int i = 0; i < 10; ++i) {
    granted += acquire(limiter, 0, clock.now(), Millis(0), 0.2).granted;
  }
  EXPECT_EQ(granted, 2);  // a fifth of 10 per second
  clock.advance(std::chrono::seconds(1));
  granted = 0;
  for (int i = 0; i < 20; ++i) granted += acquire(limiter, 0, clock.now()).granted;
  EXPECT_EQ(granted, 10);
}

TEST(AccountLimiterTest, ReconfigureKeepsWhatWasAdmitted) {
  ManualClock clock;
  AccountLimiter limiter({"a", 10, 600, 0});
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(acquire(limiter, 1, clock.now()).granted);
  limiter.reconfigure({"a", 5, 600, 0});
  EXPECT_FALSE(acquire(limiter, 1, clock.now()).granted);
  EXPECT_EQ(limiter.permits_left_this_second(clock.now()), 0);
  EXPECT_EQ(limiter.permits_left_this_minute(clock.now()), 592);
}

}  // namespace
}  // namespace tmon::schedule
