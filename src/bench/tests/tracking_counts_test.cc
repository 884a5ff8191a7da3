#include "bench/tracking_counts.h"

#include <gtest/gtest.h>

namespace tmon::bench {
namespace {

TEST(TrackingCountsTest, SumsEveryCameraOfBothCountersAndNothingElse) {
  const std::string text =
      "# HELP detect_frames_tracked_total Frames detected and tracked\n"
      "# TYPE detect_frames_tracked_total counter\n"
      "detect_frames_tracked_total{camera_id=\"a\"} 120\n"
      "detect_frames_tracked_total{camera_id=\"b\"} 80\n"
      "detect_frames_tracked_total_other{camera_id=\"b\"} 5000\n"
      "detect_track_skipped_total{camera_id=\"a\"} 3\n"
      "detect_track_skipped_total{camera_id=\"b\"} 4\n"
      "detection_total{camera_id=\"a\"} 9\n";
  const TrackingCounts counts = parse_tracking_counts(text);
  EXPECT_DOUBLE_EQ(counts.tracked, 200);
  EXPECT_DOUBLE_EQ(counts.skipped, 7);
}

TEST(TrackingCountsTest, ReportsRatesOverTheWindow) {
  const auto report = tracking_report({100, 2}, {1100, 12}, 10, 4);
  EXPECT_DOUBLE_EQ(report["framesTracked"].get<double>(), 1000);
  EXPECT_DOUBLE_EQ(report["trackedPerSecond"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(report["trackedPerCameraPerSecond"].get<double>(), 25);
  EXPECT_DOUBLE_EQ(report["skipped"].get<double>(), 10);
  EXPECT_DOUBLE_EQ(report["skippedPerSecond"].get<double>(), 1);
}

}  // namespace
}  // namespace tmon::bench
