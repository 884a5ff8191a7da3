#include "schedule/task_queue.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

PendingTask task(std::string id, std::string group, int64_t capture_ts, int priority = 0,
                 int64_t deadline = 1'000'000) {
  PendingTask pending;
  pending.task.taskId = std::move(id);
  pending.task.cameraId = "cam";
  pending.task.groupId = std::move(group);
  pending.task.captureTs = capture_ts;
  pending.task.priority = priority;
  pending.task.deadlineTs = deadline;
  return pending;
}

std::vector<std::string> drain(TaskQueue& queue, int64_t now = 0) {
  std::vector<std::string> ids;
  while (auto next = queue.pop_ready(now)) ids.push_back(next->task.taskId);
  return ids;
}

TEST(TaskQueueTest, NewestCaptureFirstWithinAPriority) {
  TaskQueue queue;
  queue.push(task("old", "g1", 100));
  queue.push(task("new", "g2", 300));
  queue.push(task("mid", "g3", 200));
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"new", "mid", "old"}));
}

TEST(TaskQueueTest, HigherPriorityAndRetriesGoFirst) {
  TaskQueue queue;
  queue.push(task("fresh", "g1", 300));
  queue.push(task("urgent", "g2", 100, 5));
  PendingTask retry = task("retry", "g3", 50);
  retry.attempts = 1;
  queue.push(std::move(retry));
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"retry", "urgent", "fresh"}));
}

TEST(TaskQueueTest, NewestFrameOfAGroupReplacesTheWaitingOne) {
  TaskQueue queue;
  EXPECT_FALSE(queue.push(task("frame-1", "g1", 100)));
  auto superseded = queue.push(task("frame-2", "g1", 200));
  ASSERT_TRUE(superseded);
  EXPECT_EQ(superseded->task.taskId, "frame-1");
  EXPECT_EQ(queue.size(), 1u);
  // An older frame arriving late is itself the stale one.
  auto late = queue.push(task("frame-0", "g1", 50));
  ASSERT_TRUE(late);
  EXPECT_EQ(late->task.taskId, "frame-0");
  EXPECT_EQ(drain(queue), std::vector<std::string>{"frame-2"});
}

TEST(TaskQueueTest, ExpiredTasksAreTakenOutInDeadlineOrder) {
  TaskQueue queue;
  queue.push(task("a", "g1", 1, 0, 500));
  queue.push(task("b", "g2", 2, 0, 100));
  queue.push(task("c", "g3", 3, 0, 900));
  EXPECT_EQ(queue.next_event_ms(0), 100);
  const auto expired = queue.take_expired(500);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].task.taskId, "b");
  EXPECT_EQ(expired[1].task.taskId, "a");
  EXPECT_EQ(drain(queue), std::vector<std::string>{"c"});
}

TEST(TaskQueueTest, BackingOffRetryWaitsItsTurn) {
  TaskQueue queue;
  PendingTask retry = task("retry", "g1", 1);
  retry.attempts = 1;
  retry.not_before_ms = 1'000;
  queue.push(std::move(retry));
  queue.push(task("fresh", "g2", 2));
  EXPECT_EQ(queue.next_event_ms(0), 1'000);
  EXPECT_EQ(queue.pop_ready(0)->task.taskId, "fresh");
  EXPECT_FALSE(queue.pop_ready(999));
  EXPECT_EQ(queue.pop_ready(1'000)->task.taskId, "retry");
}

TEST(TaskQueueTest, GroupsWithoutIdAreKeptApartByIndex) {
  TaskQueue queue;
  PendingTask a = task("a", "", 1);
  a.task.groupIndex = 0;
  PendingTask b = task("b", "", 2);
  b.task.groupIndex = 1;
  EXPECT_FALSE(queue.push(std::move(a)));
  EXPECT_FALSE(queue.push(std::move(b)));
  EXPECT_EQ(queue.size(), 2u);
}

}  // namespace
}  // namespace tmon::schedule
