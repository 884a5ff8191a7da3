#include "e2e/e2e_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace tmon::e2e {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

TEST(PercentileTest, NearestRank) {
  EXPECT_EQ(percentile_ms({}, 0.5), 0);
  EXPECT_EQ(percentile_ms({7}, 0.5), 7);
  EXPECT_EQ(percentile_ms({4, 1, 3, 2}, 0.5), 2);
  EXPECT_EQ(percentile_ms({5, 1, 3}, 0.5), 3);
  EXPECT_EQ(percentile_ms({5, 1, 3}, 1.0), 5);
}

E2eReport sample() {
  E2eReport report;
  report.camera_id = "probe";
  report.setup = "6 frames 1 s apart through Kafka at 127.0.0.1:9092";
  report.frames_planned = report.frames_injected = report.frames_seen = 6;
  report.frames_with_tasks = 4;
  report.tasks = report.results = 5;
  report.results_by_status = {{"ok", 4}, {"error", 1}};
  report.error_codes = {{"timeout", 1}};
  report.views_stored = 4;
  report.latencies = {{"task created -> result", {1000, 1200, 900}, 0},
                      {"LLM call", {950, 1150}, 1},
                      {"last result -> stored", {}, 0}};
  return report;
}

TEST(PrintReportTest, PassingReportShowsCountsLatenciesAndEndsWithPass) {
  std::ostringstream out;
  print_report(sample(), out);
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("camera probe, 6 frames 1 s apart"));
  EXPECT_THAT(text, HasSubstr("6 seen on detection-results, 4 with tasks"));
  EXPECT_THAT(text, HasSubstr("5 on risk-assessment-results, error 1, ok 4 (not ok: timeout 1)"));
  EXPECT_THAT(text, HasSubstr("latency (ms)"));
  // n, p50, max
  EXPECT_THAT(text, HasSubstr("    task created -> result               3     1000     1200\n"));
  EXPECT_THAT(text, HasSubstr("      LLM call                           2      950     1150\n"));
  EXPECT_THAT(text, HasSubstr("    last result -> stored                0        -        -\n"));
  EXPECT_THAT(text, EndsWith("\nPASS\n"));
}

TEST(PrintReportTest, FailingReportEndsWithEveryReason) {
  E2eReport report = sample();
  report.failures = {"first reason", "second reason"};
  report.notes = {"a note"};
  std::ostringstream out;
  print_report(report, out);
  EXPECT_THAT(out.str(), HasSubstr("  note: a note\n"));
  EXPECT_THAT(out.str(), EndsWith("\nFAIL: first reason; second reason\n"));
}

}  // namespace
}  // namespace tmon::e2e
