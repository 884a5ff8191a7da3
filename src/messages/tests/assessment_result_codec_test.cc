#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "messages/codec.h"
#include "messages/tests/test_messages.h"

namespace tmon::messages {
namespace {

using nlohmann::json;
using testing::error_of;

AssessmentResult expired_result() {
  AssessmentResult result = testing::full_assessment_result();
  result.status = ResultStatus::kExpired;
  result.code = "deadline_exceeded";
  result.message = "deadline passed after " + testing::kTrickyText;
  result.riskAssessment.reset();
  return result;
}

json minimal_ok_result() {
  return json{
      {"schemaVersion", 1},
      {"taskId", "t-1"},
      {"cameraId", "cam-1"},
      {"requestId", "r-1"},
      {"captureTs", 1000},
      {"status", "ok"},
      {"riskAssessment",
       {{"hasDangerousDriving", false}, {"maxRiskLevel", "none"}, {"results", json::array()}}}};
}

TEST(AssessmentResultCodecTest, FullyPopulatedOkResultRoundTrips) {
  const AssessmentResult original = testing::full_assessment_result();
  const Result<AssessmentResult> decoded = decode_assessment_result(encode(original));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, original);
}

TEST(AssessmentResultCodecTest, NonOkResultWithCodeAndMessageRoundTrips) {
  for (const ResultStatus status :
       {ResultStatus::kError, ResultStatus::kExpired, ResultStatus::kRejected}) {
    AssessmentResult original = expired_result();
    original.status = status;
    const Result<AssessmentResult> decoded = decode_assessment_result(encode(original));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, original);
  }
}

TEST(AssessmentResultCodecTest, OkResultCarriesTheAssessmentAtTheTopLevelAndNoError) {
  const json ok = json::parse(encode(testing::full_assessment_result()));
  EXPECT_EQ(ok["schemaVersion"], kSchemaVersion);
  EXPECT_EQ(ok["status"], "ok");
  EXPECT_FALSE(ok.contains("code"));
  EXPECT_FALSE(ok.contains("message"));
  EXPECT_FALSE(ok.contains("error"));
  EXPECT_FALSE(ok.contains("riskAssessment"));  // one copy: the original's top-level results
  EXPECT_EQ(ok["maxRiskLevel"], "critical");
  EXPECT_EQ(ok["results"].size(), testing::full_assessment_result().riskAssessment->results.size());
  EXPECT_EQ(ok["messageId"], ok["taskId"].get<std::string>() + "_result");
  EXPECT_EQ(ok["metadata"]["apiKeyId"], "key-07");
}

TEST(AssessmentResultCodecTest, FailedResultSaysWhyInErrorWithEmptyResults) {
  const json expired = json::parse(encode(expired_result()));
  EXPECT_EQ(expired["status"], "expired");
  EXPECT_EQ(expired["code"], "deadline_exceeded");
  EXPECT_EQ(expired["results"], json::array());
  EXPECT_EQ(expired["error"], "deadline_exceeded: " + expired_result().message);
  EXPECT_FALSE(expired.contains("maxRiskLevel"));
}

TEST(AssessmentResultCodecTest, TmonsOlderRiskAssessmentObjectIsStillRead) {
  json result = minimal_ok_result();
  result["riskAssessment"]["results"] =
      json::array({{{"groupIndex", 1}, {"riskLevel", "high"}, {"riskTypes", {"闯红灯"}}}});
  result["riskAssessment"]["maxRiskLevel"] = "high";
  const Result<AssessmentResult> decoded = decode_assessment_result(result.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_TRUE(decoded->riskAssessment);
  EXPECT_EQ(decoded->riskAssessment->maxRiskLevel, RiskLevel::kHigh);
  ASSERT_EQ(decoded->riskAssessment->results.size(), 1u);
  EXPECT_EQ(decoded->riskAssessment->results[0].riskTypes, std::vector<std::string>{"闯红灯"});
}

TEST(AssessmentResultCodecTest, MinimalOkResultGetsDefaults) {
  const Result<AssessmentResult> decoded = decode_assessment_result(minimal_ok_result().dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->metadata, ResultMetadata{});
  EXPECT_EQ(decoded->frameTaskCount, 1);
  ASSERT_TRUE(decoded->riskAssessment);
  EXPECT_EQ(*decoded->riskAssessment, RiskAssessment{});
}

TEST(AssessmentResultCodecTest, MissingRequiredFieldsAreNamed) {
  for (const char* field : {"taskId", "cameraId", "requestId", "captureTs", "status"}) {
    json result = minimal_ok_result();
    result.erase(field);
    EXPECT_EQ(error_of(decode_assessment_result(result.dump())),
              std::string(field) + ": required field missing");
  }
}

TEST(AssessmentResultCodecTest, OkResultWithoutAssessmentIsRejected) {
  json result = minimal_ok_result();
  result.erase("riskAssessment");
  EXPECT_EQ(error_of(decode_assessment_result(result.dump())),
            "results: required when status is ok");
}

TEST(AssessmentResultCodecTest, NonOkResultWithoutCodeIsRejected) {
  json result = minimal_ok_result();
  result["status"] = "error";
  EXPECT_EQ(error_of(decode_assessment_result(result.dump())),
            "code: required when status is not ok");
  result["code"] = "";
  EXPECT_EQ(error_of(decode_assessment_result(result.dump())),
            "code: required when status is not ok");
  result["code"] = "bad_response";
  const Result<AssessmentResult> decoded = decode_assessment_result(result.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->status, ResultStatus::kError);
  EXPECT_TRUE(decoded->riskAssessment);  // allowed, if odd, for a non-ok result
}

TEST(AssessmentResultCodecTest, UnknownStatusIsRejected) {
  json result = minimal_ok_result();
  result["status"] = "OK";
  EXPECT_EQ(error_of(decode_assessment_result(result.dump())),
            "status: expected one of ok, error, expired, rejected");
  result["status"] = 0;
  EXPECT_EQ(error_of(decode_assessment_result(result.dump())),
            "status: expected a string, got number");
}

TEST(AssessmentResultCodecTest, NestedAssessmentErrorsCarryTheirPath) {
  json result = minimal_ok_result();
  result["riskAssessment"]["results"] = json::parse(
      R"([{"groupIndex": 0, "riskLevel": "low"}, {"groupIndex": 1, "riskLevel": "severe"}])");
  EXPECT_EQ(error_of(decode_assessment_result(result.dump())),
            "riskAssessment.results[1].riskLevel: expected one of none, low, medium, high, "
            "critical");
}

TEST(AssessmentResultCodecTest, MetadataFieldsAreTypeChecked) {
  json result = minimal_ok_result();
  result["metadata"] = {{"attempts", 1.5}};
  EXPECT_EQ(error_of(decode_assessment_result(result.dump())),
            "metadata.attempts: expected an integer, got a fractional number");
  result["metadata"] = "none";
  EXPECT_EQ(error_of(decode_assessment_result(result.dump())),
            "metadata: expected an object, got string");
}

TEST(AssessmentResultCodecTest, LegacyResultWithTimestampDecodes) {
  // A result shaped by hand the way the original system reported them: no
  // schemaVersion, `timestamp` in epoch ms.
  json result = minimal_ok_result();
  result.erase("schemaVersion");
  result.erase("captureTs");
  result["timestamp"] = 1714564800123;
  const Result<AssessmentResult> decoded = decode_assessment_result(result.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->schemaVersion, 0);
  EXPECT_EQ(decoded->captureTs, 1'714'564'800'123);
}

}  // namespace
}  // namespace tmon::messages
