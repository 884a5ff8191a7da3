#include <gtest/gtest.h>

#include "aggregate/aggregate_stage.h"

namespace tmon::aggregate {
namespace {

TEST(AggregateOptionsTest, TheAggregationSectionInTheStagesUnits) {
  config::AggregationConfig a;
  a.partial_timeout_seconds = 2.5;
  a.max_pending_frames = 42;
  a.alert_min_level = "medium";
  a.alert_display_seconds = 7;
  const auto options = aggregate_options(a, "detections");
  EXPECT_EQ(options.partial_timeout, Millis(2'500));
  EXPECT_EQ(options.max_pending_frames, 42u);
  EXPECT_EQ(options.alerts.min_level, messages::RiskLevel::kMedium);
  EXPECT_EQ(options.alerts.display_ms, 7'000);
  EXPECT_EQ(options.detections_topic, "detections");
}

TEST(AggregateOptionsTest, AnUnknownAlertLevelMeansHigh) {
  config::AggregationConfig a;
  a.alert_min_level = "purple";
  EXPECT_EQ(aggregate_options(a, "").alerts.min_level, messages::RiskLevel::kHigh);
}

}  // namespace
}  // namespace tmon::aggregate
