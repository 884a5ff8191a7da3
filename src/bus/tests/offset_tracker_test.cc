#include "bus/offset_tracker.h"

#include <gtest/gtest.h>

namespace tmon::bus {
namespace {

const PartitionKey kP0{"tasks", 0};
const PartitionKey kP1{"tasks", 1};

TEST(OffsetTrackerTest, NothingToCommitBeforeAnyMessage) {
  OffsetTracker tracker;
  tracker.assign(kP0);
  EXPECT_TRUE(tracker.pending_commits().empty());
}

TEST(OffsetTrackerTest, InFlightMessageHoldsTheCommitPointBack) {
  OffsetTracker tracker;
  tracker.assign(kP0);
  tracker.received(kP0, 10);
  // Offset 10 is not done: committing 10 means "resume at 10", nothing past it.
  EXPECT_EQ(tracker.pending_commits(), (std::vector<CommitPoint>{{kP0, 10}}));
}

TEST(OffsetTrackerTest, CommitsOnlyTheContiguousCompletedPrefix) {
  OffsetTracker tracker;
  tracker.assign(kP0);
  for (int64_t offset = 10; offset < 15; ++offset) tracker.received(kP0, offset);
  tracker.completed(kP0, 10);
  tracker.completed(kP0, 12);
  tracker.completed(kP0, 13);
  // 11 is still running, so 12 and 13 must be replayed after a crash.
  EXPECT_EQ(tracker.pending_commits(), (std::vector<CommitPoint>{{kP0, 11}}));
  tracker.completed(kP0, 11);
  EXPECT_EQ(tracker.pending_commits(), (std::vector<CommitPoint>{{kP0, 14}}));
  tracker.completed(kP0, 14);
  EXPECT_EQ(tracker.pending_commits(), (std::vector<CommitPoint>{{kP0, 15}}));
}

TEST(OffsetTrackerTest, CommittedPointIsNotOfferedAgain) {
  OffsetTracker tracker;
  tracker.assign(kP0);
  tracker.received(kP0, 0);
  tracker.completed(kP0, 0);
  tracker.mark_committed(tracker.pending_commits());
  EXPECT_TRUE(tracker.pending_commits().empty());
  tracker.received(kP0, 1);
  tracker.completed(kP0, 1);
  EXPECT_EQ(tracker.pending_commits(), (std::vector<CommitPoint>{{kP0, 2}}));
}

TEST(OffsetTrackerTest, HandlesGapsInOffsets) {
  // Compaction and transaction markers leave holes; a hole is not "in flight".
  OffsetTracker tracker;
  tracker.assign(kP0);
  tracker.received(kP0, 3);
  tracker.received(kP0, 7);
  tracker.completed(kP0, 3);
  tracker.completed(kP0, 7);
  EXPECT_EQ(tracker.pending_commits(), (std::vector<CommitPoint>{{kP0, 8}}));
}

TEST(OffsetTrackerTest, PartitionsAreIndependent) {
  OffsetTracker tracker;
  tracker.assign(kP0);
  tracker.assign(kP1);
  tracker.received(kP0, 5);
  tracker.received(kP1, 9);
  tracker.completed(kP1, 9);
  EXPECT_EQ(tracker.pending_commits({kP1}), (std::vector<CommitPoint>{{kP1, 10}}));
  EXPECT_EQ(tracker.pending_commits({kP0}), (std::vector<CommitPoint>{{kP0, 5}}));
  EXPECT_EQ(tracker.in_flight(), 1u);
}

TEST(OffsetTrackerTest, CompletionAfterRevokeIsIgnored) {
  OffsetTracker tracker;
  tracker.assign(kP0);
  tracker.received(kP0, 1);
  tracker.revoke(kP0);
  tracker.completed(kP0, 1);
  EXPECT_TRUE(tracker.pending_commits().empty());
  EXPECT_EQ(tracker.in_flight(), 0u);
}

TEST(OffsetTrackerTest, ReassignStartsFresh) {
  OffsetTracker tracker;
  tracker.assign(kP0);
  tracker.received(kP0, 1);
  tracker.assign(kP0);
  EXPECT_TRUE(tracker.pending_commits().empty());
}

}  // namespace
}  // namespace tmon::bus
