#include "schedule/sliding_window.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

using std::chrono::milliseconds;

const SteadyTime kT0 = SteadyTime{} + std::chrono::hours(1);

TEST(SlidingWindowTest, AdmitsUpToTheLimitThenSaysWhenTheOldestLeaves) {
  SlidingWindow window(3, milliseconds(1000));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(window.wait_for(1, kT0 + milliseconds(i * 10)), Millis(0));
    window.add(1, kT0 + milliseconds(i * 10));
  }
  // The first event (t=0) leaves the window at t=1000.
  EXPECT_EQ(window.wait_for(1, kT0 + milliseconds(500)), Millis(500));
  EXPECT_EQ(window.wait_for(1, kT0 + milliseconds(999)), Millis(1));
  EXPECT_EQ(window.wait_for(1, kT0 + milliseconds(1000)), Millis(0));
}

TEST(SlidingWindowTest, WeightedEventsFreeEnoughBeforeAdmitting) {
  SlidingWindow tokens(100, milliseconds(60'000));
  tokens.add(40, kT0);
  tokens.add(40, kT0 + milliseconds(10'000));
  // 80 used; 50 more needs 30 freed: the first event (40) must leave.
  EXPECT_EQ(tokens.wait_for(50, kT0 + milliseconds(20'000)), Millis(40'000));
  EXPECT_EQ(tokens.wait_for(20, kT0 + milliseconds(20'000)), Millis(0));
}

TEST(SlidingWindowTest, OversizedEventWaitsForAnEmptyWindow) {
  SlidingWindow tokens(100, milliseconds(1000));
  EXPECT_EQ(tokens.wait_for(500, kT0), Millis(0));  // empty: it may go
  tokens.add(500, kT0);
  EXPECT_EQ(tokens.wait_for(500, kT0 + milliseconds(1)), Millis(999));
}

// A request that reached the provider late counts there from then: its
// event moves later, past events admitted after it, and the next admission
// waits for it to leave.
TEST(SlidingWindowTest, ADelayedEventLeavesTheWindowThatMuchLater) {
  SlidingWindow window(2, milliseconds(1000));
  const uint64_t late = window.add(1, kT0);
  const uint64_t on_time = window.add(1, kT0 + milliseconds(10));
  EXPECT_TRUE(window.delay(late, milliseconds(60)));
  // Without the delay the first event would leave at 1000; it leaves at 1060.
  EXPECT_EQ(window.wait_for(1, kT0 + milliseconds(1000)), Millis(10));  // on_time leaves first
  EXPECT_EQ(window.used(kT0 + milliseconds(1010)), 1);
  EXPECT_EQ(window.used(kT0 + milliseconds(1059)), 1);
  EXPECT_EQ(window.used(kT0 + milliseconds(1060)), 0);
  // Events admitted after the delayed one keep the log in time order, and
  // corrections still find events out of id order.
  window.add(1, kT0 + milliseconds(1010));
  EXPECT_TRUE(window.correct(on_time, 0));
  EXPECT_TRUE(window.correct(late, 1));
  EXPECT_EQ(window.used(kT0 + milliseconds(1030)), 2);
  EXPECT_EQ(window.wait_for(1, kT0 + milliseconds(1030)), Millis(30));
  EXPECT_FALSE(window.delay(999, milliseconds(5)));  // unknown: nothing moves
}

TEST(SlidingWindowTest, ResetLimitKeepsAdmittedEvents) {
  SlidingWindow window(5, milliseconds(1000));
  for (int i = 0; i < 4; ++i) window.add(1, kT0);
  window.reset_limit(2, milliseconds(1000));
  EXPECT_EQ(window.used(kT0), 4);
  EXPECT_EQ(window.wait_for(1, kT0), Millis(1000));
}

}  // namespace
}  // namespace tmon::schedule
