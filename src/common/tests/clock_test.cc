#include "common/clock.h"

#include <gtest/gtest.h>

namespace tmon {
namespace {

TEST(ManualClockTest, AdvancesSteadyAndWallTimeTogether) {
  ManualClock clock(1'000);
  const auto start = clock.now();
  clock.advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.epoch_ms(), 2'500);
}

TEST(ManualClockTest, StandsStillUntilAdvanced) {
  ManualClock clock;
  EXPECT_EQ(clock.now(), clock.now());
}

TEST(SystemClockTest, EpochIsPlausible) {
  // 2020-01-01 in epoch ms: a clock reading before that is broken.
  EXPECT_GT(SystemClock::instance().epoch_ms(), 1'577'836'800'000);
}

}  // namespace
}  // namespace tmon
