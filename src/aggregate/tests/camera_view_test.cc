#include "aggregate/camera_view.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tmon::aggregate {
namespace {

messages::AssessmentResult ok_result() {
  messages::AssessmentResult result;
  result.taskId = "r1:g1";
  result.cameraId = "cam-01";
  result.requestId = "r1";
  result.captureTs = 1'000;
  result.status = messages::ResultStatus::kOk;
  messages::RiskAssessment assessment;
  assessment.hasDangerousDriving = true;
  assessment.maxRiskLevel = messages::RiskLevel::kHigh;
  assessment.results.push_back({0, messages::RiskLevel::kHigh, 0.9, {"tailgating"}, "", 2, {1, 2}});
  result.riskAssessment = assessment;
  result.metadata.llmLatencyMs = 800;
  return result;
}

TEST(CameraViewTest, HoistsTheAssessmentAndAddsLatency) {
  const auto view = nlohmann::json::parse(camera_view_json(ok_result(), 2'500));
  EXPECT_EQ(view["status"], "ok");
  EXPECT_EQ(view["captureTs"], 1'000);
  EXPECT_EQ(view["storedTs"], 2'500);
  EXPECT_EQ(view["latencyMs"], 1'500);
  EXPECT_EQ(view["maxRiskLevel"], "high");
  EXPECT_EQ(view["hasDangerousDriving"], true);
  EXPECT_EQ(view["results"].size(), 1u);
  EXPECT_EQ(view["metadata"]["llmLatencyMs"], 800);
  EXPECT_FALSE(view.contains("riskAssessment"));
}

TEST(CameraViewTest, ErrorResultsSayWhyAndHaveNoLevel) {
  auto result = ok_result();
  result.status = messages::ResultStatus::kExpired;
  result.code = "deadline_exceeded";
  result.riskAssessment.reset();
  const auto view = nlohmann::json::parse(camera_view_json(result, 2'000));
  EXPECT_EQ(view["status"], "expired");
  EXPECT_EQ(view["code"], "deadline_exceeded");
  EXPECT_TRUE(view["maxRiskLevel"].is_null());
  EXPECT_TRUE(view["results"].empty());
}

}  // namespace
}  // namespace tmon::aggregate
