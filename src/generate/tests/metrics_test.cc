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

}  // namespace
}  // namespace tmon::generate
