#include "aggregate/frame_view.h"

#include <gtest/gtest.h>

namespace tmon::aggregate {
namespace {

using messages::ResultStatus;
using messages::RiskLevel;

messages::AssessmentResult result(int group_index, RiskLevel level, bool dangerous) {
  messages::AssessmentResult r;
  r.taskId = "r1:g" + std::to_string(group_index);
  r.cameraId = "cam-01";
  r.requestId = "r1";
  r.groupIndex = group_index;
  r.groupId = "g" + std::to_string(group_index);
  r.captureTs = 1'000;
  r.frameTaskCount = 3;
  messages::RiskAssessment assessment;
  assessment.hasDangerousDriving = dangerous;
  assessment.maxRiskLevel = level;
  assessment.results.push_back({0, level, 0.9, {"tailgating"}, "close", 2, {1, 2}});
  r.riskAssessment = assessment;
  r.metadata.llmLatencyMs = 800;
  return r;
}

TEST(FrameViewTest, MergesTheGroupsOfAFrameIntoOneView) {
  const FrameInfo frame{"cam-01", "r1", 1'000, 2, false};
  const auto view = frame_view(
      frame, {result(1, RiskLevel::kHigh, true), result(0, RiskLevel::kLow, false)}, 2'500);
  EXPECT_EQ(view["cameraId"], "cam-01");
  EXPECT_EQ(view["requestId"], "r1");
  EXPECT_EQ(view["latencyMs"], 1'500);
  EXPECT_EQ(view["partial"], false);
  EXPECT_EQ(view["receivedResults"], 2);
  EXPECT_EQ(view["hasDangerousDriving"], true);
  EXPECT_EQ(view["maxRiskLevel"], "high");
  ASSERT_EQ(view["results"].size(), 2u);
  // Ordered by group, whatever the arrival order, each tied to its group and task.
  EXPECT_EQ(view["results"][0]["groupId"], "g0");
  EXPECT_EQ(view["results"][1]["taskId"], "r1:g1");
  EXPECT_EQ(view["results"][1]["riskLevel"], "high");
  EXPECT_EQ(view["tasks"][0]["status"], "ok");
  EXPECT_EQ(view["tasks"][0]["metadata"]["llmLatencyMs"], 800);
  EXPECT_TRUE(view["alerts"].empty());
}

TEST(FrameViewTest, FailedTasksSayWhyAndCountForNoRisk) {
  auto expired = result(1, RiskLevel::kCritical, true);
  expired.status = ResultStatus::kExpired;
  expired.code = "deadline_exceeded";
  expired.message = "too old";
  expired.riskAssessment.reset();
  const auto view = frame_view({"cam-01", "r1", 1'000, 3, true},
                               {result(0, RiskLevel::kMedium, false), expired}, 2'000);
  EXPECT_EQ(view["partial"], true);
  EXPECT_EQ(view["expectedResults"], 3);
  EXPECT_EQ(view["maxRiskLevel"], "medium");
  EXPECT_EQ(view["hasDangerousDriving"], false);
  EXPECT_EQ(view["results"].size(), 1u);
  EXPECT_EQ(view["tasks"][1]["status"], "expired");
  EXPECT_EQ(view["tasks"][1]["code"], "deadline_exceeded");
}

TEST(FrameViewTest, NoOkResultMeansNoLevel) {
  auto failed = result(0, RiskLevel::kHigh, true);
  failed.status = ResultStatus::kError;
  failed.riskAssessment.reset();
  const auto view = frame_view({"cam-01", "r1", 1'000, 1, false}, {failed}, 2'000);
  EXPECT_TRUE(view["maxRiskLevel"].is_null());
  EXPECT_TRUE(view["results"].empty());
}

}  // namespace
}  // namespace tmon::aggregate
