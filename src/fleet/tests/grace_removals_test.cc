#include "fleet/grace_removals.h"

#include <gtest/gtest.h>

namespace tmon::fleet {
namespace {

TEST(GraceRemovalsTest, DueExactlyWhenTheGraceEnds) {
  ManualClock clock;
  GraceRemovals removals(Millis(30'000), 100);
  removals.schedule("cam", clock.now());
  EXPECT_TRUE(removals.pending("cam"));
  clock.advance(Millis(29'999));
  EXPECT_TRUE(removals.take_due(clock.now()).empty());
  EXPECT_EQ(removals.next_due(), clock.now() + Millis(1));
  clock.advance(Millis(1));
  EXPECT_EQ(removals.take_due(clock.now()), std::vector<std::string>{"cam"});
  EXPECT_FALSE(removals.pending("cam"));
  EXPECT_FALSE(removals.next_due());
}

TEST(GraceRemovalsTest, AWatcherComingBackCancels) {
  ManualClock clock;
  GraceRemovals removals(Millis(1'000), 100);
  removals.schedule("cam", clock.now());
  clock.advance(Millis(500));
  EXPECT_TRUE(removals.cancel("cam"));
  EXPECT_FALSE(removals.cancel("cam"));
  clock.advance(Millis(10'000));
  EXPECT_TRUE(removals.take_due(clock.now()).empty());
}

TEST(GraceRemovalsTest, LeavingAgainRestartsTheGrace) {
  ManualClock clock;
  GraceRemovals removals(Millis(1'000), 100);
  removals.schedule("cam", clock.now());
  clock.advance(Millis(900));
  removals.schedule("cam", clock.now());
  clock.advance(Millis(900));
  EXPECT_TRUE(removals.take_due(clock.now()).empty());
  clock.advance(Millis(100));
  EXPECT_EQ(removals.take_due(clock.now()).size(), 1u);
}

TEST(GraceRemovalsTest, PastTheBoundARemovalIsDueAtOnce) {
  ManualClock clock;
  GraceRemovals removals(Millis(1'000), 2);
  removals.schedule("a", clock.now());
  removals.schedule("b", clock.now());
  removals.schedule("c", clock.now());
  EXPECT_EQ(removals.take_due(clock.now()), std::vector<std::string>{"c"});
}

}  // namespace
}  // namespace tmon::fleet
