#include "llm/response_parser.h"

#include <gtest/gtest.h>

namespace tmon::llm {
namespace {

using messages::RiskLevel;

constexpr const char* kNested =
    R"({"hasDangerousDriving":true,"maxRiskLevel":"high","results":[{"groupIndex":1,)"
    R"("riskLevel":"high","confidence":0.85,"riskTypes":["tailgating"],"description":"too close",)"
    R"("dangerObjectCount":2,"triggerObjectIds":[3,4]}]})";

TEST(ParseRiskAssessmentTest, ReadsTheNestedSchema) {
  auto assessment = parse_risk_assessment(kNested, 0);
  ASSERT_TRUE(assessment) << assessment.error().message;
  EXPECT_TRUE(assessment->hasDangerousDriving);
  EXPECT_EQ(assessment->maxRiskLevel, RiskLevel::kHigh);
  ASSERT_EQ(assessment->results.size(), 1u);
  const auto& risk = assessment->results[0];
  EXPECT_EQ(risk.groupIndex, 1);
  EXPECT_DOUBLE_EQ(risk.confidence, 0.85);
  EXPECT_EQ(risk.riskTypes, std::vector<std::string>{"tailgating"});
  EXPECT_EQ(risk.triggerObjectIds, (std::vector<int>{3, 4}));
  EXPECT_EQ(risk.dangerObjectCount, 2);
}

TEST(ParseRiskAssessmentTest, ReadsTheFlatFormAndFillsTheGroupIndex) {
  auto assessment =
      parse_risk_assessment(R"({"riskLevel":"Medium","riskTypes":"pedestrian_conflict"})", 5);
  ASSERT_TRUE(assessment) << assessment.error().message;
  ASSERT_EQ(assessment->results.size(), 1u);
  EXPECT_EQ(assessment->results[0].groupIndex, 5);
  EXPECT_EQ(assessment->results[0].riskLevel, RiskLevel::kMedium);
  EXPECT_EQ(assessment->maxRiskLevel, RiskLevel::kMedium);
  EXPECT_TRUE(assessment->hasDangerousDriving);  // derived: medium or worse
}

TEST(ParseRiskAssessmentTest, AcceptsFencesAndProse) {
  const std::string fenced = std::string("```json\n") + kNested + "\n```";
  EXPECT_TRUE(parse_risk_assessment(fenced, 0));
  const std::string prose = std::string("Here is my assessment of the image {as requested}:\n") +
                            kNested + "\nLet me know if you need more.";
  // The prose's "{as requested}" is balanced but not JSON; the real object follows.
  auto assessment = parse_risk_assessment(prose, 0);
  ASSERT_TRUE(assessment) << assessment.error().message;
  EXPECT_EQ(assessment->maxRiskLevel, RiskLevel::kHigh);
}

TEST(ParseRiskAssessmentTest, AcceptsProseWithoutBraces) {
  const std::string prose = std::string("Assessment:\n") + kNested + "\nDone.";
  auto assessment = parse_risk_assessment(prose, 0);
  ASSERT_TRUE(assessment) << assessment.error().message;
  EXPECT_EQ(assessment->maxRiskLevel, RiskLevel::kHigh);
}

TEST(ParseRiskAssessmentTest, NormalizesLevelsAndPercentConfidence) {
  auto assessment = parse_risk_assessment(
      R"({"results":[{"riskLevel":"高","confidence":90},{"riskLevel":"SEVERE"}]})", 0);
  ASSERT_TRUE(assessment) << assessment.error().message;
  EXPECT_EQ(assessment->results[0].riskLevel, RiskLevel::kHigh);
  EXPECT_DOUBLE_EQ(assessment->results[0].confidence, 0.9);
  EXPECT_EQ(assessment->maxRiskLevel, RiskLevel::kCritical);
}

TEST(ParseRiskAssessmentTest, StatedMaximumNeverUnderstatesTheGroups) {
  auto assessment = parse_risk_assessment(
      R"({"hasDangerousDriving":false,"maxRiskLevel":"low","results":[{"riskLevel":"high"}]})", 0);
  ASSERT_TRUE(assessment);
  EXPECT_EQ(assessment->maxRiskLevel, RiskLevel::kHigh);
  EXPECT_TRUE(assessment->hasDangerousDriving);
}

TEST(ParseRiskAssessmentTest, RejectsWhatCannotBeUsed) {
  EXPECT_FALSE(parse_risk_assessment("no json here", 0));
  EXPECT_FALSE(parse_risk_assessment("{\"results\": [", 0));
  EXPECT_FALSE(parse_risk_assessment(R"({"foo":1})", 0));
  EXPECT_FALSE(parse_risk_assessment(R"({"results":[{"riskLevel":"purple"}]})", 0));
  EXPECT_FALSE(parse_risk_assessment(R"({"results":[{"riskLevel":"low","confidence":300}]})", 0));
  EXPECT_FALSE(parse_risk_assessment(R"({"results":"none"})", 0));
}

TEST(ParseRiskAssessmentTest, NonFiniteAndOutOfRangeNumbersAreRejectedNotCast) {
  // nan/inf confidence must not pass the range check (every comparison with
  // nan is false); a groupIndex past int's range must not be cast (UB).
  EXPECT_FALSE(parse_risk_assessment(R"({"riskLevel":"high","confidence":"nan"})", 1));
  EXPECT_FALSE(parse_risk_assessment(R"({"riskLevel":"high","confidence":"inf"})", 1));
  EXPECT_FALSE(parse_risk_assessment(R"({"riskLevel":"high","confidence":1e999})", 1));
  EXPECT_FALSE(parse_risk_assessment(R"({"riskLevel":"high","groupIndex":1e300})", 1));
  EXPECT_FALSE(parse_risk_assessment(R"({"riskLevel":"high","groupIndex":-3e9})", 1));
  EXPECT_FALSE(parse_risk_assessment(R"({"riskLevel":"high","groupIndex":"nan"})", 1));
  auto ids = parse_risk_assessment(
      R"({"riskLevel":"high","dangerObjectCount":1e40,"triggerObjectIds":[1,1e20,-1e20,"nan",2]})",
      1);
  ASSERT_TRUE(ids) << ids.error().message;
  EXPECT_EQ(ids->results[0].dangerObjectCount, 0);
  EXPECT_EQ(ids->results[0].triggerObjectIds, (std::vector<int>{1, 2}));
}

TEST(ParseRiskAssessmentTest, HugeOrDeeplyNestedRepliesFailFast) {
  // A million unbalanced braces, deep nesting and a megabyte of candidates:
  // each is an error, none a crash or a quadratic scan.
  EXPECT_FALSE(parse_risk_assessment(std::string(1'000'000, '{'), 1));
  std::string nested = std::string(200'000, '[') + std::string(200'000, ']');
  EXPECT_FALSE(parse_risk_assessment("{\"results\":" + nested + "}", 1));
  std::string deep = std::string(100'000, '{') + std::string(100'000, '}');
  EXPECT_FALSE(parse_risk_assessment(deep, 1));
  std::string many;
  for (int i = 0; i < 20'000; ++i) many += "{x} ";
  many += R"({"riskLevel":"low"})";
  EXPECT_FALSE(parse_risk_assessment(many, 1));  // past the candidates worth trying
  // Deep but small enough to read: a clean error, no stack overflow.
  std::string arrays = std::string(20'000, '[') + std::string(20'000, ']');
  EXPECT_TRUE(parse_risk_assessment("{\"riskLevel\":\"low\",\"riskTypes\":" + arrays + "}", 1));
}

TEST(ExtractJsonObjectTest, IgnoresBracesInsideStrings) {
  EXPECT_EQ(extract_json_object(R"(x {"a":"}{","b":{"c":1}} y)"), R"({"a":"}{","b":{"c":1}})");
  EXPECT_EQ(extract_json_object("{unclosed"), "");
}

TEST(ParseChatCompletionTest, ReadsContentAndUsage) {
  auto reply = parse_chat_completion(
      R"({"id":"x","object":"chat.completion","model":"qwen-vl-plus","choices":[{"index":0,)"
      R"("message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}})");
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->content, "hello");
  EXPECT_EQ(reply->model, "qwen-vl-plus");
  EXPECT_EQ(reply->usage.total_tokens, 15);
}

TEST(ParseChatCompletionTest, JoinsTextParts) {
  auto reply = parse_chat_completion(
      R"({"choices":[{"message":{"content":[{"type":"text","text":"a"},{"text":"b"}]}}]})");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->content, "ab");
}

TEST(ParseChatCompletionTest, HugeTokenCountsDoNotOverflow) {
  auto reply = parse_chat_completion(
      R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":99999999999,)"
      R"("completion_tokens":-5,"total_tokens":18446744073709551615}})");
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->usage.prompt_tokens, 0);
  EXPECT_EQ(reply->usage.completion_tokens, 0);
  EXPECT_EQ(reply->usage.total_tokens, 0);
}

TEST(ParseChatCompletionTest, RejectsBodiesWithoutAChoice) {
  EXPECT_FALSE(parse_chat_completion("<html>502</html>"));
  EXPECT_FALSE(parse_chat_completion(R"({"choices":[]})"));
  EXPECT_FALSE(parse_chat_completion(R"({"choices":[{"message":{"content":null}}]})"));
}

}  // namespace
}  // namespace tmon::llm
