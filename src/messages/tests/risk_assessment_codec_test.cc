#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "messages/codec.h"
#include "messages/tests/test_messages.h"

namespace tmon::messages {
namespace {

using nlohmann::json;
using testing::error_of;

TEST(RiskAssessmentCodecTest, FullyPopulatedAssessmentRoundTrips) {
  const RiskAssessment original = testing::full_risk_assessment();
  const Result<RiskAssessment> decoded = decode_risk_assessment(encode(original));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, original);
}

TEST(RiskAssessmentCodecTest, EncodesTheOriginalPromptShape) {
  const json encoded = json::parse(encode(testing::full_risk_assessment()));
  EXPECT_EQ(encoded["hasDangerousDriving"], true);
  EXPECT_EQ(encoded["maxRiskLevel"], "critical");
  EXPECT_EQ(encoded["results"][0]["riskLevel"], "critical");
  EXPECT_EQ(encoded["results"][0]["riskTypes"], json::array({"tailgating", "pedestrian_conflict"}));
  EXPECT_EQ(encoded["results"][1]["riskLevel"], "low");
  EXPECT_FALSE(encoded.contains("schemaVersion"));
}

TEST(RiskAssessmentCodecTest, GroupRiskNeedsOnlyIndexAndLevel) {
  const Result<RiskAssessment> decoded = decode_risk_assessment(
      R"({"hasDangerousDriving": false, "maxRiskLevel": "medium",
          "results": [{"groupIndex": 2, "riskLevel": "medium"}], "reasoning": "ignored"})");
  ASSERT_TRUE(decoded) << decoded.error().message;
  RiskAssessment expected;
  expected.maxRiskLevel = RiskLevel::kMedium;
  expected.results.resize(1);
  expected.results[0].groupIndex = 2;
  expected.results[0].riskLevel = RiskLevel::kMedium;
  EXPECT_EQ(*decoded, expected);
}

TEST(RiskAssessmentCodecTest, MissingRequiredFieldsAreNamed) {
  const json valid = json::parse(
      R"({"hasDangerousDriving": true, "maxRiskLevel": "high",
          "results": [{"groupIndex": 0, "riskLevel": "high"}]})");
  for (const char* field : {"hasDangerousDriving", "maxRiskLevel", "results"}) {
    json assessment = valid;
    assessment.erase(field);
    EXPECT_EQ(error_of(decode_risk_assessment(assessment.dump())),
              std::string(field) + ": required field missing");
  }
  for (const char* field : {"groupIndex", "riskLevel"}) {
    json assessment = valid;
    assessment["results"][0].erase(field);
    EXPECT_EQ(error_of(decode_risk_assessment(assessment.dump())),
              "results[0]." + std::string(field) + ": required field missing");
  }
}

TEST(RiskAssessmentCodecTest, ConfidenceMustLieInTheUnitInterval) {
  for (const double confidence : {-0.01, 1.01, 100.0}) {
    const json assessment = {
        {"hasDangerousDriving", true},
        {"maxRiskLevel", "high"},
        {"results", {{{"groupIndex", 0}, {"riskLevel", "high"}, {"confidence", confidence}}}}};
    EXPECT_EQ(error_of(decode_risk_assessment(assessment.dump())),
              "results[0].confidence: expected a number in [0, 1]")
        << confidence;
  }
  const json edge = {{"hasDangerousDriving", true},
                     {"maxRiskLevel", "high"},
                     {"results", {{{"groupIndex", 0}, {"riskLevel", "high"}, {"confidence", 1}}}}};
  EXPECT_TRUE(decode_risk_assessment(edge.dump())) << error_of(decode_risk_assessment(edge.dump()));
}

TEST(RiskAssessmentCodecTest, WrongTypesAreNamed) {
  EXPECT_EQ(error_of(decode_risk_assessment(
                R"({"hasDangerousDriving": "yes", "maxRiskLevel": "high", "results": []})")),
            "hasDangerousDriving: expected a boolean, got string");
  EXPECT_EQ(error_of(decode_risk_assessment(
                R"({"hasDangerousDriving": true, "maxRiskLevel": "extreme", "results": []})")),
            "maxRiskLevel: expected one of none, low, medium, high, critical");
  EXPECT_EQ(error_of(decode_risk_assessment(
                R"({"hasDangerousDriving": true, "maxRiskLevel": "low",
                    "results": [{"groupIndex": 0, "riskLevel": "low", "riskTypes": [1]}]})")),
            "results[0].riskTypes[0]: expected a string, got number");
}

}  // namespace
}  // namespace tmon::messages
