#include "generate/task_generator.h"

#include <gtest/gtest.h>

namespace tmon::generate {
namespace {

messages::DetectionResult frame_with_groups() {
  messages::DetectionResult frame;
  frame.cameraId = "cam-01";
  frame.requestId = "cam-01-42";
  frame.captureTs = 1'000'000;
  for (int id = 1; id <= 5; ++id) {
    frame.detectedObjects.push_back({id, id == 5 ? "person" : "car", 2, 0.9, {}});
  }
  frame.trafficGroups = {
      {0, "g-a", {1, 2, 5}, {}, {}}, {1, "g-b", {3}, {}, {}}, {2, "g-c", {3, 4}, {}, {}}};
  frame.groupImages = {
      {0, "g-a", "QUFB", 10, 10}, {1, "g-b", "QkJC", 10, 10}, {2, "g-c", "", 10, 10}};
  return frame;
}

TEST(TaskGeneratorTest, OneTaskPerLargeEnoughGroupWithAnImage) {
  TaskGenerator generator({.max_age_seconds = 10, .min_group_size = 2});
  const auto tasks = generator.make_tasks(frame_with_groups(), 1'000'500);
  // g-b is too small; g-c has no image to show the model.
  ASSERT_EQ(tasks.size(), 1u);
  const auto& task = tasks[0];
  EXPECT_EQ(task.taskId, "cam-01-42:g-a");
  EXPECT_EQ(task.groupId, "g-a");
  EXPECT_EQ(task.imageBase64, "QUFB");
  EXPECT_EQ(task.captureTs, 1'000'000);
  EXPECT_EQ(task.createdTs, 1'000'500);
  EXPECT_EQ(task.deadlineTs, 1'010'000);
  EXPECT_EQ(task.frameTaskCount, 1);
  ASSERT_EQ(task.objects.size(), 3u);
  EXPECT_EQ(task.objects[2].className, "person");
}

TEST(TaskGeneratorTest, SameFrameSameTaskIds) {
  TaskGenerator generator({});
  EXPECT_EQ(generator.make_tasks(frame_with_groups(), 1)[0].taskId,
            generator.make_tasks(frame_with_groups(), 2)[0].taskId);
}

TEST(TaskGeneratorTest, FrameWithoutGroupsYieldsNothing) {
  TaskGenerator generator({});
  messages::DetectionResult frame;
  frame.cameraId = "cam";
  EXPECT_TRUE(generator.make_tasks(frame, 0).empty());
}

}  // namespace
}  // namespace tmon::generate
