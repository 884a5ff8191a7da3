#include "mockllm/reply_builder.h"

#include <gtest/gtest.h>

#include "llm/prompt.h"
#include "llm/response_parser.h"
#include "messages/codec.h"

namespace tmon::mockllm {
namespace {

using messages::RiskLevel;

std::string request_for(double person_vehicle_distance, double spacing, int seed = 0) {
  messages::AssessmentTask task;
  task.cameraId = "cam-" + std::to_string(seed);
  task.groupIndex = 3;
  task.imageBase64 = "SU1H";
  task.objects = {{7, "car", 2, 0.9, {0, 0, 10, 10}}, {8, "person", 0, 0.9, {12, 0, 14, 10}}};
  task.features.minPersonVehicleDistance = person_vehicle_distance;
  task.features.minSpacing = spacing;
  return llm::chat_request_body(llm::build_chat_request(task, {}));
}

TEST(AssessRequestTest, PedestrianNextToVehicleIsHighRisk) {
  const auto assessment = assess_request(request_for(5, -1));
  EXPECT_EQ(assessment.maxRiskLevel, RiskLevel::kHigh);
  EXPECT_TRUE(assessment.hasDangerousDriving);
  ASSERT_EQ(assessment.results.size(), 1u);
  EXPECT_EQ(assessment.results[0].groupIndex, 3);
  EXPECT_EQ(assessment.results[0].triggerObjectIds, (std::vector<int>{7, 8}));
}

TEST(AssessRequestTest, BatchedRequestGetsOneEntryPerGroup) {
  messages::AssessmentTask near, apart;
  near.cameraId = apart.cameraId = "cam-1";
  near.groupIndex = 1;
  near.objects = {{7, "car", 2, 0.9, {0, 0, 10, 10}}, {8, "person", 0, 0.9, {12, 0, 14, 10}}};
  near.features.minPersonVehicleDistance = 2;
  apart.groupIndex = 4;
  apart.features.minSpacing = 3;
  const auto request = llm::build_batch_request({{&near, "SU1H", ""}, {&apart, "SU1I", ""}}, {});
  const auto assessment = assess_request(llm::chat_request_body(request));
  ASSERT_EQ(assessment.results.size(), 2u);
  EXPECT_EQ(assessment.results[0].groupIndex, 1);
  EXPECT_EQ(assessment.results[0].riskLevel, RiskLevel::kHigh);
  EXPECT_EQ(assessment.results[1].groupIndex, 4);
  EXPECT_EQ(assessment.results[1].riskLevel, RiskLevel::kMedium);  // spacing 3 px
  EXPECT_EQ(assessment.maxRiskLevel, RiskLevel::kHigh);
}

TEST(AssessRequestTest, SameRequestSameAnswer) {
  const std::string request = request_for(200, 50, 42);
  EXPECT_EQ(assess_request(request), assess_request(request));
}

TEST(AssessRequestTest, OrdinaryScenesAreMostlyRiskFree) {
  int none = 0;
  for (int seed = 0; seed < 200; ++seed) {
    if (assess_request(request_for(-1, 100, seed)).maxRiskLevel == RiskLevel::kNone) ++none;
  }
  EXPECT_GT(none, 140);
  EXPECT_LT(none, 200);
}

TEST(AssessRequestTest, GarbageStillGetsAValidAnswer) {
  const auto assessment = assess_request("not json");
  EXPECT_EQ(assessment.results.size(), 1u);
}

TEST(ChatCompletionBodyTest, ParsesAsAChatCompletionWithTheAssessment) {
  const auto assessment = assess_request(request_for(5, -1));
  auto reply = llm::parse_chat_completion(
      chat_completion_body("qwen-vl-plus", messages::encode(assessment), {1000, 40}));
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->usage.prompt_tokens, 1000);
  auto parsed = llm::parse_risk_assessment(reply->content, 0);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, assessment);
}

}  // namespace
}  // namespace tmon::mockllm
