#include "aggregate/frame_view.h"

#include <gtest/gtest.h>

namespace tmon::aggregate {
namespace {

using messages::ResultStatus;
using messages::RiskLevel;

messages::AssessmentResult result(int group_index, RiskLevel level, bool dangerous) {
  messages::AssessmentResult r;
  r.taskId = "r1:g" + std::to_string(group_index);
  r.cameraId = messages::CameraId::integer(7);
  r.requestId = "r1";
  r.groupIndex = group_index;
  r.groupId = "g" + std::to_string(group_index);
  r.captureTs = 1'000;
  r.frameTaskCount = 3;
  messages::RiskAssessment assessment;
  assessment.hasDangerousDriving = dangerous;
  assessment.maxRiskLevel = level;
  assessment.results.push_back({group_index, level, 0.9, {"跟车过近"}, "close", 2, {1, 2}});
  r.riskAssessment = assessment;
  r.metadata.llmLatencyMs = 800 + group_index;
  r.metadata.llmModel = "qwen-vl-plus";
  return r;
}

messages::DetectionResult detection() {
  messages::DetectionResult frame;
  frame.cameraId = messages::CameraId::integer(7);
  frame.requestId = "r1";
  frame.captureTs = 1'000;
  frame.detectedObjects = {{1, "car", 2, 0.9, {0, 0, 10, 10}},
                           {2, "truck", 7, 0.8, {12, 0, 30, 10}}};
  frame.trafficGroups = {{1, "g1", {1, 2}, {0, 0, 30, 10}, {}, {}}};
  frame.groupImages = {{1, "g1", "/9j/", 30, 10}};
  frame.thumbnailBase64 = "dGh1bWI=";
  return frame;
}

TEST(FrameViewTest, MergesTheDetectionAndTheGroupsOfAFrameIntoOneView) {
  const FrameInfo frame{messages::CameraId::integer(7), "r1", 1'000, 2, false};
  const auto view =
      merge_frame(frame, {result(1, RiskLevel::kHigh, true), result(0, RiskLevel::kLow, false)},
                  detection(), 2'500);
  EXPECT_EQ(view.cameraId, messages::CameraId::integer(7));
  EXPECT_EQ(view.requestId, "r1");
  EXPECT_EQ(view.storedTs, 2'500);
  EXPECT_FALSE(view.partial);
  EXPECT_EQ(view.receivedResults(), 2);
  EXPECT_TRUE(view.hasDangerousDriving);
  EXPECT_EQ(view.maxRiskLevel, RiskLevel::kHigh);
  ASSERT_EQ(view.results.size(), 2u);
  // Ordered by group, whatever the arrival order, each tied to its group and task.
  EXPECT_EQ(view.results[0].groupId, "g0");
  EXPECT_EQ(view.results[1].taskId, "r1:g1");
  EXPECT_EQ(view.results[1].risk.riskLevel, RiskLevel::kHigh);
  EXPECT_EQ(view.tasks[0].status, ResultStatus::kOk);
  EXPECT_EQ(view.llmLatencyMs(), 801);  // the slowest call, as the original reports
  EXPECT_EQ(view.llmModel(), "qwen-vl-plus");
  ASSERT_TRUE(view.detection);
  EXPECT_EQ(view.detection->detectedObjects.size(), 2u);
  EXPECT_TRUE(view.detection->thumbnailBase64.empty());  // the live frame stays with /ws
}

TEST(FrameViewTest, FailedTasksSayWhyAndCountForNoRisk) {
  auto expired = result(1, RiskLevel::kCritical, true);
  expired.status = ResultStatus::kExpired;
  expired.code = "deadline_exceeded";
  expired.message = "too old";
  expired.riskAssessment.reset();
  const auto view =
      merge_frame({"cam-01", "r1", 1'000, 3, true}, {result(0, RiskLevel::kMedium, false), expired},
                  std::nullopt, 2'000);
  EXPECT_TRUE(view.partial);
  EXPECT_EQ(view.expectedResults, 3);
  EXPECT_EQ(view.maxRiskLevel, RiskLevel::kMedium);
  EXPECT_FALSE(view.hasDangerousDriving);
  EXPECT_EQ(view.results.size(), 1u);
  EXPECT_EQ(view.tasks[1].status, ResultStatus::kExpired);
  EXPECT_EQ(view.tasks[1].code, "deadline_exceeded");
  EXPECT_FALSE(view.detection);
}

TEST(FrameViewTest, NoOkResultMeansNoRisk) {
  auto failed = result(0, RiskLevel::kHigh, true);
  failed.status = ResultStatus::kError;
  failed.riskAssessment.reset();
  const auto view = merge_frame({"cam-01", "r1", 1'000, 1, false}, {failed}, std::nullopt, 2'000);
  EXPECT_EQ(view.maxRiskLevel, RiskLevel::kNone);
  EXPECT_FALSE(view.hasDangerousDriving);
  EXPECT_TRUE(view.results.empty());
}

}  // namespace
}  // namespace tmon::aggregate
