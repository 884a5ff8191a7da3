#include "generate/metrics.h"

#include <gtest/gtest.h>

#include "generate/tests/scene_builder.h"

namespace tmon::generate {
namespace {

using testing::Actor;
using testing::make_frame;

double value(prometheus::Family<prometheus::Counter>& family, const prometheus::Labels& labels) {
  return family.Has(labels) ? family.Add(labels).Value() : 0;
}

TEST(GenerateMetricsTest, CountsGroupsTasksByTriggerDuplicatesAndUntriggered) {
  prometheus::Registry registry;
  GenerateMetrics metrics(registry);
  TaskGenerator generator(config::TaskConfig{});
  // "near": a pedestrian 4 px from a car (proximity); "far": two cars apart.
  const std::vector<Actor> actors = {{1, "car", 100, 100},
                                     {2, "person", 168, 100, 12, 30},
                                     {3, "car", 100, 250},
                                     {4, "car", 300, 250}};
  for (int i = 0; i < 3; ++i) {
    const auto frame =
        make_frame("cam-7", i, 1'000'000 + i * 1'000, actors, {{"near", {1, 2}}, {"far", {3, 4}}});
    metrics.record(frame.cameraId, generator.process(frame, 0));
  }
  const prometheus::Labels camera{{"camera_id", "cam-7"}};
  EXPECT_EQ(value(metrics.groups, camera), 6);  // the baseline: every group of every frame
  EXPECT_EQ(value(metrics.tasks_generated, {{"camera_id", "cam-7"}, {"trigger", "proximity"}}), 1);
  EXPECT_EQ(value(metrics.tasks_deduplicated, camera), 2);
  EXPECT_EQ(value(metrics.groups_untriggered, camera), 3);
}

TEST(GenerateMetricsTest, CameraSeriesAreCappedLeastRecentlySeenFirst) {
  // Any producer on Kafka may invent camera ids: a flood of them must not
  // mint series without end.
  prometheus::Registry registry;
  GenerateMetrics metrics(registry, 3);
  TaskGenerator generator(config::TaskConfig{});
  const std::vector<Actor> actors = {{1, "car", 100, 100}, {2, "person", 168, 100, 12, 30}};
  const auto record = [&](const std::string& camera, int i) {
    const auto frame = make_frame(camera, i, 1'000'000 + i * 1'000, actors, {{"near", {1, 2}}});
    metrics.record(frame.cameraId, generator.process(frame, 0));
  };
  record("cam-1", 0);
  record("cam-2", 1);
  record("cam-3", 2);
  record("cam-1", 3);  // seen again: cam-2 is now the least recent
  record("cam-4", 4);
  EXPECT_TRUE(metrics.groups.Has({{"camera_id", "cam-1"}}));
  EXPECT_FALSE(metrics.groups.Has({{"camera_id", "cam-2"}}));
  EXPECT_FALSE(metrics.tasks_generated.Has({{"camera_id", "cam-2"}, {"trigger", "proximity"}}));
  for (int i = 0; i < 1000; ++i) record("flood-" + std::to_string(i), 10 + i);
  EXPECT_EQ(metrics.cameras_with_series(), 3u);
  EXPECT_EQ(metrics.camera_series_evicted.Value(), 1001);
  size_t series = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name == "generate_groups_total") series += family.metric.size();
  }
  EXPECT_EQ(series, 3u);
  EXPECT_FALSE(metrics.groups.Has({{"camera_id", "cam-1"}}));
  EXPECT_TRUE(metrics.groups.Has({{"camera_id", "flood-999"}}));
}

}  // namespace
}  // namespace tmon::generate
