#include "schedule/cooldown_policy.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime kT0 = SteadyTime{} + std::chrono::hours(1);

CooldownPolicy adaptive() {
  return CooldownPolicy({true, seconds(60), seconds(5), seconds(120)});
}

TEST(CooldownPolicyTest, RetryAfterIsHonouredToTheMillisecond) {
  CooldownState state;
  adaptive().on_rate_limited(state, seconds(2), kT0);
  EXPECT_TRUE(state.cooling(kT0 + milliseconds(1999)));
  EXPECT_FALSE(state.cooling(kT0 + milliseconds(2000)));
}

TEST(CooldownPolicyTest, RetryAfterIsCappedAtTheMaximumCooldown) {
  // A day (or 1e30 s, clamped by the parser to a week) rests 120 s at most.
  for (const auto asked : {std::chrono::duration_cast<milliseconds>(std::chrono::hours(24)),
                           std::chrono::duration_cast<milliseconds>(std::chrono::hours(24 * 7)),
                           milliseconds::max()}) {
    CooldownState state;
    adaptive().on_rate_limited(state, asked, kT0);
    EXPECT_TRUE(state.cooling(kT0 + seconds(119)));
    EXPECT_FALSE(state.cooling(kT0 + seconds(120)));
  }
}

TEST(CooldownPolicyTest, AShorterLaterDeadlineNeverShortensALongerOne) {
  CooldownState state;
  const auto policy = adaptive();
  policy.on_rate_limited(state, seconds(30), kT0);
  policy.on_rate_limited(state, seconds(2), kT0 + seconds(1));
  EXPECT_TRUE(state.cooling(kT0 + seconds(29)));
  EXPECT_EQ(state.remaining(kT0 + seconds(10)), seconds(20));
}

TEST(CooldownPolicyTest, AdaptiveCooldownGrowsOnRepeatsUpToTheMaximum) {
  CooldownState state;
  const auto policy = adaptive();
  std::vector<Millis> rests;
  SteadyTime now = kT0;
  for (int i = 0; i < 7; ++i) {
    policy.on_rate_limited(state, std::nullopt, now);
    rests.push_back(state.remaining(now));
    now = state.until;  // the next 429 right after the rest
  }
  EXPECT_EQ(rests, (std::vector<Millis>{seconds(5), seconds(10), seconds(20), seconds(40),
                                        seconds(80), seconds(120), seconds(120)}));
}

TEST(CooldownPolicyTest, SuccessesDecayTheCooldownBackToTheMinimum) {
  CooldownState state;
  const auto policy = adaptive();
  for (int i = 0; i < 4; ++i) policy.on_rate_limited(state, std::nullopt, kT0);  // 5,10,20,40
  policy.on_success(state);
  EXPECT_EQ(state.current, seconds(20));
  policy.on_success(state);
  policy.on_success(state);  // 10, then 5
  policy.on_success(state);  // below the minimum: reset
  EXPECT_EQ(state.current, Millis(0));
  policy.on_rate_limited(state, std::nullopt, kT0 + seconds(100));
  EXPECT_EQ(state.remaining(kT0 + seconds(100)), seconds(5));
}

TEST(CooldownPolicyTest, FixedCooldownWhenNotAdaptive) {
  CooldownState state;
  CooldownPolicy({false, seconds(60), seconds(5), seconds(120)})
      .on_rate_limited(state, std::nullopt, kT0);
  EXPECT_EQ(state.remaining(kT0), seconds(60));
}

}  // namespace
}  // namespace tmon::schedule
