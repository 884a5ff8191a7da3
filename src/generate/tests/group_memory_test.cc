#include "generate/group_memory.h"

#include <gtest/gtest.h>

namespace tmon::generate {
namespace {

constexpr int64_t kT0 = 5'000'000;

GroupSnapshot snapshot(std::vector<int> members, double pv_gap = -1, double vv_gap = 0.7,
                       double speed = 0, int priority = 20) {
  return {std::move(members), pv_gap, vv_gap, {}, speed, priority};
}

TEST(GroupMemoryTest, FirstSightingIsAssessedThenDuplicatesUntilTheInterval) {
  GroupMemory memory({.interval_seconds = 10});
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0), Verdict::kFirst);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0 + 9'999), Verdict::kDuplicate);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0 + 10'000), Verdict::kIntervalElapsed);
  // The interval restarts at the new assessment.
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0 + 19'999), Verdict::kDuplicate);
}

TEST(GroupMemoryTest, ZeroIntervalAssessesEveryFrame) {
  GroupMemory memory({.interval_seconds = 0});
  memory.decide("g", snapshot({1, 2}), kT0);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0), Verdict::kIntervalElapsed);
}

TEST(GroupMemoryTest, ChangesBeyondThresholdsAreReassessed) {
  GroupMemory memory({.interval_seconds = 10, .distance_shrink = 0.25, .speed_change = 0.5});
  memory.decide("g", snapshot({1, 2, 3}, 2.0, 0.7, 1.0, 20), kT0);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2, 3}, 1.8, 0.7, 1.4, 20), kT0 + 1),
            Verdict::kDuplicate);  // within both thresholds
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}, 2.0, 0.7, 1.0, 20), kT0 + 2),
            Verdict::kMembersChanged);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}, 1.7, 0.7, 1.0, 20), kT0 + 3),
            Verdict::kGapShrank);  // 2.0 -> 1.7 beats 0.25
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}, 1.7, 0.4, 1.0, 20), kT0 + 4),
            Verdict::kGapShrank);  // the vehicle gap alone counts too
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}, 1.7, 0.4, 0.4, 20), kT0 + 5),
            Verdict::kSpeedChanged);  // slowing down counts as much as speeding up
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}, 1.7, 0.4, 0.4, 80), kT0 + 6), Verdict::kEscalated);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}, 1.7, 0.4, 0.4, 40), kT0 + 7),
            Verdict::kDuplicate);  // a lower trigger is no news
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}, 2.5, 0.9, 0.4, 80), kT0 + 8),
            Verdict::kDuplicate);  // gaps widening is no news either
}

TEST(GroupMemoryTest, APairAppearingCountsAsShrinking) {
  GroupMemory memory({});
  memory.decide("g", snapshot({1, 2}, -1), kT0);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}, 3.0), kT0 + 1), Verdict::kGapShrank);
}

TEST(GroupMemoryTest, ForgetsGroupsNotSeenForAWhile) {
  GroupMemory memory({.forget_after_seconds = 60});
  memory.decide("old", snapshot({1, 2}), kT0);
  memory.decide("alive", snapshot({3, 4}), kT0);
  memory.seen("alive", kT0 + 50'000);  // untriggered, still in the picture
  memory.expire(kT0 + 60'001);
  EXPECT_EQ(memory.size(), 1u);
  EXPECT_EQ(memory.decide("old", snapshot({1, 2}), kT0 + 60'002), Verdict::kFirst);
}

TEST(GroupMemoryTest, KeepsAtMostTheCapLeastRecentlySeenGoFirst) {
  GroupMemory memory({.max_groups_per_camera = 2});
  memory.decide("a", snapshot({1}), kT0);
  memory.decide("b", snapshot({2}), kT0 + 1);
  memory.decide("c", snapshot({3}), kT0 + 2);
  memory.expire(kT0 + 2);
  EXPECT_EQ(memory.size(), 2u);
  EXPECT_EQ(memory.decide("b", snapshot({2}), kT0 + 3), Verdict::kDuplicate);
  EXPECT_EQ(memory.decide("a", snapshot({1}), kT0 + 3), Verdict::kFirst);
}

TEST(GroupMemoryTest, ANewClosePairIsNewsEvenWhenAnotherPairWasAsClose) {
  // A long queue assessed for one tailgating pair; a second pair closes up
  // to the same gap: the closest gap did not shrink, but the LLM has not
  // seen these two that close.
  GroupMemory memory({});
  auto then = snapshot({1, 2, 3}, -1, 0.1);
  then.close_pairs = {{1, 2}};
  memory.decide("g", then, kT0);
  auto now = then;
  now.close_pairs = {{1, 2}, {2, 3}};
  EXPECT_EQ(memory.decide("g", now, kT0 + 1), Verdict::kNewClosePair);
  now.close_pairs = {{2, 3}};  // a pair opening up again is no news
  EXPECT_EQ(memory.decide("g", now, kT0 + 2), Verdict::kDuplicate);
}

}  // namespace
}  // namespace tmon::generate
