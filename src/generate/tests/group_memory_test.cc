#include "generate/group_memory.h"

#include <gtest/gtest.h>

#include <chrono>

#include "common/clock.h"

namespace tmon::generate {
namespace {

// Capture time is the generator's only clock: each step below is one analysed
// frame, 1.8 s after the previous one, as detect publishes them by default.
constexpr int64_t kT0 = 5'000'000;
constexpr int64_t kFrameMs = 1'800;

GroupSnapshot snapshot(std::vector<int> members, double pv_gap = -1, double vv_gap = 0.7,
                       double speed = 0, int priority = 20) {
  return {std::move(members), pv_gap, vv_gap, {}, {}, speed, priority};
}

GroupSnapshot with_conflicts(GroupSnapshot s, std::vector<std::pair<int, int>> pairs) {
  s.danger_pairs = std::move(pairs);
  return s;
}

// The re-assessment policy, one change per row: a group assessed at frame 0
// as `base`, then shown as `frames[i]` at frames 1, 2, ...; the verdicts it
// gets, frame by frame.
struct PolicyRow {
  const char* change;
  std::vector<GroupSnapshot> frames;
  std::vector<Verdict> expected;
};

TEST(GroupMemoryTest, ReassessmentPolicyTable) {
  const GroupSnapshot base = snapshot({1, 2, 3}, 2.0, 0.7, 1.0, 60);
  const auto joined = snapshot({1, 2, 3, 4}, 2.0, 0.7, 1.0, 60);
  const auto left = snapshot({1, 2}, 2.0, 0.7, 1.0, 60);
  const std::vector<PolicyRow> table = {
      {"nothing changes", {base, base}, {Verdict::kDuplicate, Verdict::kDuplicate}},
      // Snapshots list the close pairs no task showed lately (the generator
      // leaves out those it sent): a pair once shown is not listed again.
      {"two road users come close: at once",
       {with_conflicts(base, {{1, 2}}), base},
       {Verdict::kNewConflict, Verdict::kDuplicate}},
      {"another pair comes close: news again",
       {with_conflicts(base, {{1, 2}}), with_conflicts(base, {{2, 3}})},
       {Verdict::kNewConflict, Verdict::kNewConflict}},
      {"a higher trigger: at once",
       {snapshot({1, 2, 3}, 2.0, 0.7, 1.0, 100), snapshot({1, 2, 3}, 2.0, 0.7, 1.0, 100)},
       {Verdict::kEscalated, Verdict::kDuplicate}},
      {"a lower trigger is no news",
       {snapshot({1, 2, 3}, 2.0, 0.7, 1.0, 40)},
       {Verdict::kDuplicate}},
      {"a member joins and stays: on its second frame",
       {joined, joined, joined},
       {Verdict::kDuplicate, Verdict::kMembersChanged, Verdict::kDuplicate}},
      {"a member joins for one frame only",
       {joined, base, joined, base},
       {Verdict::kDuplicate, Verdict::kDuplicate, Verdict::kDuplicate, Verdict::kDuplicate}},
      {"a member leaves for good: on its second frame away",
       {left, left},
       {Verdict::kDuplicate, Verdict::kMembersChanged}},
      {"a member hidden for one frame",
       {left, base, base},
       {Verdict::kDuplicate, Verdict::kDuplicate, Verdict::kDuplicate}},
      {"gaps shrinking and speed changing are off by default",
       {snapshot({1, 2, 3}, 0.2, 0.1, 3.0, 60)},
       {Verdict::kDuplicate}},
  };
  for (const auto& row : table) {
    // Membership by groupId alone, as before track identity.
    GroupMemory memory({.max_reassess_seconds = 10, .track_identity = false});
    ASSERT_EQ(memory.decide("g", base, kT0), Verdict::kFirst) << row.change;
    for (size_t i = 0; i < row.frames.size(); ++i) {
      const int64_t ts = kT0 + static_cast<int64_t>(i + 1) * kFrameMs;
      const Verdict got = memory.decide("g", row.frames[i], ts);
      EXPECT_EQ(got, row.expected[i])
          << row.change << ", frame " << i + 1 << ": got " << to_string(got);
    }
  }
}

TEST(GroupMemoryTest, RefreshAfterMaxReassessSeconds) {
  GroupMemory memory({.max_reassess_seconds = 10});
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0), Verdict::kFirst);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0 + 9'999), Verdict::kDuplicate);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0 + 10'000), Verdict::kRefresh);
  // The refresh period restarts at the new assessment.
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0 + 19'999), Verdict::kDuplicate);
}

TEST(GroupMemoryTest, ZeroMaxReassessAssessesEveryFrame) {
  GroupMemory memory({.max_reassess_seconds = 0});
  memory.decide("g", snapshot({1, 2}), kT0);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2}), kT0), Verdict::kRefresh);
}

// The same table by track identity (the default): who joins matters, not
// that a membership changed. Times are capture times read off a ManualClock
// that advances one analysed frame (1.8 s) per row entry.
TEST(GroupMemoryTest, ReassessmentPolicyTableByTrackIdentity) {
  const GroupSnapshot base = snapshot({1, 2, 3}, 2.0, 0.7, 1.0, 60);
  const auto stranger_joined = snapshot({1, 2, 3, 4}, 2.0, 0.7, 1.0, 60);
  const auto known_joined = snapshot({1, 2, 3, 7}, 2.0, 0.7, 1.0, 60);
  const auto left = snapshot({1, 2}, 2.0, 0.7, 1.0, 60);
  const std::vector<PolicyRow> table = {
      {"nothing changes", {base, base}, {Verdict::kDuplicate, Verdict::kDuplicate}},
      {"a road user no task showed joins and stays: on its second frame",
       {stranger_joined, stranger_joined, stranger_joined},
       {Verdict::kDuplicate, Verdict::kMembersChanged, Verdict::kDuplicate}},
      {"a road user assessed in another group joins and stays: no news",
       {known_joined, known_joined, known_joined},
       {Verdict::kDuplicate, Verdict::kDuplicate, Verdict::kDuplicate}},
      {"a member leaves for good: no news",
       {left, left, left},
       {Verdict::kDuplicate, Verdict::kDuplicate, Verdict::kDuplicate}},
      {"a new close pair: at once, whoever is in it",
       {with_conflicts(known_joined, {{3, 7}}), known_joined},
       {Verdict::kNewConflict, Verdict::kDuplicate}},
      {"a higher trigger: at once",
       {snapshot({1, 2, 3}, 2.0, 0.7, 1.0, 100)},
       {Verdict::kEscalated}},
      {"the refresh comes 10 s after the last look (frame 6 is 10.8 s later)",
       {base, base, base, base, base, base},
       {Verdict::kDuplicate, Verdict::kDuplicate, Verdict::kDuplicate, Verdict::kDuplicate,
        Verdict::kDuplicate, Verdict::kRefresh}},
  };
  for (const auto& row : table) {
    ManualClock clock(kT0);
    GroupMemory memory({.max_reassess_seconds = 10});
    // Road user 7 was assessed in another group just before.
    ASSERT_EQ(memory.decide("other", snapshot({7, 8}), clock.epoch_ms()), Verdict::kFirst);
    ASSERT_EQ(memory.decide("g", base, clock.epoch_ms()), Verdict::kFirst) << row.change;
    for (size_t i = 0; i < row.frames.size(); ++i) {
      clock.advance(std::chrono::milliseconds(kFrameMs));
      const Verdict got = memory.decide("g", row.frames[i], clock.epoch_ms());
      EXPECT_EQ(got, row.expected[i])
          << row.change << ", frame " << i + 1 << ": got " << to_string(got);
    }
  }
}

TEST(GroupMemoryTest, NewGroupOfRecentlyAssessedTracksIsNoFirstSight) {
  ManualClock clock(kT0);
  GroupMemory memory({.max_reassess_seconds = 10});
  memory.decide("a", snapshot({1, 2}), clock.epoch_ms());
  clock.advance(std::chrono::milliseconds(4'000));
  memory.decide("b", snapshot({3, 4}), clock.epoch_ms());
  clock.advance(std::chrono::milliseconds(kFrameMs));
  // The clusters split and merge: {2, 3} is a new groupId of known road users.
  EXPECT_EQ(memory.decide("c", snapshot({2, 3}), clock.epoch_ms()), Verdict::kRegrouped);
  EXPECT_FALSE(is_news(Verdict::kRegrouped));
  // It is as fresh as its stalest member: 2, assessed at kT0, so its
  // refresh comes 10 s after kT0, not after the regrouping.
  clock.advance(std::chrono::milliseconds(10'000 - 4'000 - kFrameMs - 1));
  EXPECT_EQ(memory.decide("c", snapshot({2, 3}), clock.epoch_ms()), Verdict::kDuplicate);
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(memory.decide("c", snapshot({2, 3}), clock.epoch_ms()), Verdict::kRefresh);
  // With a road user no task showed, a new group is a first sight.
  EXPECT_EQ(memory.decide("d", snapshot({3, 9}), clock.epoch_ms()), Verdict::kFirst);
  // Tracks are forgotten max_reassess_seconds after their last assessment.
  clock.advance(std::chrono::milliseconds(10'000));
  memory.expire(clock.epoch_ms());
  EXPECT_EQ(memory.track_assessed_ts(1), -1);
  EXPECT_EQ(memory.decide("e", snapshot({1, 2}), clock.epoch_ms()), Verdict::kFirst);
}

TEST(GroupMemoryTest, TrackIdentityOffJudgesByGroupId) {
  GroupMemory memory({.max_reassess_seconds = 10, .track_identity = false});
  memory.decide("a", snapshot({1, 2}), kT0);
  EXPECT_EQ(memory.decide("b", snapshot({1, 2}), kT0 + kFrameMs), Verdict::kFirst);
}

TEST(GroupMemoryTest, UrgentReasonsAndDeferrableOnes) {
  for (const Verdict urgent : {Verdict::kFirst, Verdict::kNewConflict, Verdict::kEscalated}) {
    EXPECT_TRUE(is_urgent(urgent)) << to_string(urgent);
  }
  for (const Verdict deferrable :
       {Verdict::kMembersChanged, Verdict::kGapShrank, Verdict::kSpeedChanged, Verdict::kRefresh}) {
    EXPECT_FALSE(is_urgent(deferrable)) << to_string(deferrable);
    EXPECT_TRUE(is_news(deferrable)) << to_string(deferrable);
  }
  EXPECT_FALSE(is_news(Verdict::kDuplicate));
}

TEST(GroupMemoryTest, DeferredReasonKeepsItsFirstTimeUntilAssessed) {
  GroupMemory memory({.max_reassess_seconds = 10});
  memory.decide("g", snapshot({1, 2}), kT0);
  EXPECT_FALSE(memory.deferred("g"));
  EXPECT_EQ(memory.defer("g", Verdict::kMembersChanged, kT0 + kFrameMs),
            std::pair(Verdict::kMembersChanged, kT0 + kFrameMs));
  // A later reason does not restart the wait.
  EXPECT_EQ(memory.defer("g", Verdict::kRefresh, kT0 + 2 * kFrameMs),
            std::pair(Verdict::kMembersChanged, kT0 + kFrameMs));
  memory.assessed("g", snapshot({1, 2}), kT0 + 3 * kFrameMs);
  EXPECT_FALSE(memory.deferred("g"));
}

TEST(GroupMemoryTest, MemberChangeSeenWhileUnsentStillCounts) {
  // The group is shown without being a candidate (seen) in the frame a car
  // joins; it is a candidate again the next frame with the car still there.
  GroupMemory memory({.max_reassess_seconds = 10});  // 3 is no known track
  memory.decide("g", snapshot({1, 2}), kT0);
  memory.seen("g", {1, 2, 3}, kT0 + kFrameMs);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2, 3}), kT0 + 2 * kFrameMs), Verdict::kMembersChanged);
}

TEST(GroupMemoryTest, InvolvedMembersOnlyIgnoresBystandersJoiningOrLeaving) {
  GroupMemory memory(
      {.max_reassess_seconds = 10, .involved_members_only = true, .track_identity = false});
  auto then = snapshot({1, 2, 3});
  then.involved = {1, 2};  // 1 and 2 in a close pair; 3 a bystander
  memory.decide("g", then, kT0);
  auto bystander_joined = snapshot({1, 2, 3, 4});
  bystander_joined.involved = {1, 2};
  EXPECT_EQ(memory.decide("g", bystander_joined, kT0 + kFrameMs), Verdict::kDuplicate);
  EXPECT_EQ(memory.decide("g", bystander_joined, kT0 + 2 * kFrameMs), Verdict::kDuplicate);
  auto involved_left = snapshot({2, 3, 4});
  involved_left.involved = {};
  EXPECT_EQ(memory.decide("g", involved_left, kT0 + 3 * kFrameMs), Verdict::kDuplicate);
  EXPECT_EQ(memory.decide("g", involved_left, kT0 + 4 * kFrameMs), Verdict::kMembersChanged);
}

TEST(GroupMemoryTest, OptInGapAndSpeedThresholds) {
  GroupMemory memory({.max_reassess_seconds = 10, .distance_shrink = 0.25, .speed_change = 0.5});
  memory.decide("g", snapshot({1, 2, 3}, 2.0, 0.7, 1.0, 20), kT0);
  EXPECT_EQ(memory.decide("g", snapshot({1, 2, 3}, 1.8, 0.7, 1.4, 20), kT0 + 1),
            Verdict::kDuplicate);  // within both thresholds
  EXPECT_EQ(memory.decide("g", snapshot({1, 2, 3}, 1.7, 0.7, 1.0, 20), kT0 + 2),
            Verdict::kGapShrank);  // 2.0 -> 1.7 beats 0.25
  EXPECT_EQ(memory.decide("g", snapshot({1, 2, 3}, 1.7, 0.4, 1.0, 20), kT0 + 3),
            Verdict::kGapShrank);  // the vehicle gap alone counts too
  EXPECT_EQ(memory.decide("g", snapshot({1, 2, 3}, 1.7, 0.4, 0.4, 20), kT0 + 4),
            Verdict::kSpeedChanged);  // slowing down counts as much as speeding up
  EXPECT_EQ(memory.decide("g", snapshot({1, 2, 3}, 2.5, 0.9, 0.4, 20), kT0 + 5),
            Verdict::kDuplicate);  // gaps widening is no news
  GroupMemory fresh({.max_reassess_seconds = 10, .distance_shrink = 0.25});
  fresh.decide("g", snapshot({1, 2, 3}, -1, 0.9, 0.4, 20), kT0);
  EXPECT_EQ(fresh.decide("g", snapshot({1, 2, 3}, 3.0, 0.9, 0.4, 20), kT0 + 1),
            Verdict::kGapShrank);  // a pair appearing counts as shrinking from afar
}

TEST(GroupMemoryTest, ForgetsGroupsNotSeenForAWhile) {
  GroupMemory memory({.forget_after_seconds = 60});
  memory.decide("old", snapshot({1, 2}), kT0);
  memory.decide("alive", snapshot({3, 4}), kT0);
  memory.seen("alive", {3, 4}, kT0 + 50'000);  // untriggered, still in the picture
  memory.expire(kT0 + 60'001);
  EXPECT_EQ(memory.size(), 1u);
  EXPECT_EQ(memory.decide("old", snapshot({1, 2}), kT0 + 60'002), Verdict::kFirst);
}

TEST(GroupMemoryTest, KeepsAtMostTheCapLeastRecentlySeenGoFirst) {
  GroupMemory memory({.track_identity = false, .max_groups_per_camera = 2});
  memory.decide("a", snapshot({1}), kT0);
  memory.decide("b", snapshot({2}), kT0 + 1);
  memory.decide("c", snapshot({3}), kT0 + 2);
  memory.expire(kT0 + 2);
  EXPECT_EQ(memory.size(), 2u);
  EXPECT_EQ(memory.decide("b", snapshot({2}), kT0 + 3), Verdict::kDuplicate);
  EXPECT_EQ(memory.decide("a", snapshot({1}), kT0 + 3), Verdict::kFirst);
}

}  // namespace
}  // namespace tmon::generate
