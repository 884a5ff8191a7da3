// The reply parser on the shapes real multimodal models answer with.
#include <gtest/gtest.h>

#include "llm/response_parser.h"

namespace tmon::llm {
namespace {

using messages::RiskLevel;

struct Reply {
  const char* name;
  const char* content;
  bool usable;
  RiskLevel max_level;  // when usable
};

class ReplyCorpusTest : public ::testing::TestWithParam<Reply> {};

TEST_P(ReplyCorpusTest, ParsesWhatAHumanCouldReadAndRejectsTheRest) {
  const Reply& reply = GetParam();
  const auto assessment = parse_risk_assessment(reply.content, 0);
  EXPECT_EQ(static_cast<bool>(assessment), reply.usable)
      << reply.name << ": " << (assessment ? "parsed" : assessment.error().message);
  if (assessment && reply.usable) {
    EXPECT_EQ(assessment->maxRiskLevel, reply.max_level) << reply.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, ReplyCorpusTest,
    ::testing::Values(
        Reply{
            "nested, as asked",
            R"({"hasDangerousDriving":true,"maxRiskLevel":"high","results":[{"groupIndex":0,"riskLevel":"high","confidence":0.9,"riskTypes":["人车冲突"],"description":"行人距离车辆过近","dangerObjectCount":2,"triggerObjectIds":[3,4]}]})",
            true, RiskLevel::kHigh},
        Reply{
            "flat",
            R"({"riskLevel":"medium","riskTypes":["跟车过近"],"description":"车距较小","confidence":0.7})",
            true, RiskLevel::kMedium},
        Reply{"fenced with a language tag",
              "```json\n{\"hasDangerousDriving\":false,\"maxRiskLevel\":\"none\",\"results\":[]}\n`"
              "``",
              true, RiskLevel::kNone},
        Reply{"fenced without a language tag", "```\n{\"riskLevel\":\"low\"}\n```", true,
              RiskLevel::kLow},
        Reply{"Chinese prose around it",
              "根据图片分析：\n{\"riskLevel\":\"高\",\"riskTypes\":\"闯红灯\"}\n请注意安全。", true,
              RiskLevel::kHigh},
        Reply{"English prose with braces before the JSON",
              "Sure {here it is}: {\"results\":[{\"riskLevel\":\"Low\"}]} hope it helps", true,
              RiskLevel::kLow},
        Reply{
            "numbers written as strings",
            R"({"results":[{"groupIndex":"1","riskLevel":"medium","confidence":"0.8","dangerObjectCount":"2","triggerObjectIds":["5",6]}]})",
            true, RiskLevel::kMedium},
        Reply{
            "percent confidence and null fields",
            R"({"results":[{"riskLevel":"none","confidence":85,"description":null,"triggerObjectIds":null}]})",
            true, RiskLevel::kNone},
        Reply{"snake_case level key", R"({"risk_level":"high"})", true, RiskLevel::kHigh},
        Reply{"level synonym", R"({"riskLevel":"moderate"})", true, RiskLevel::kMedium},
        Reply{"empty results, stated maximum",
              R"({"hasDangerousDriving":false,"maxRiskLevel":"low","results":[]})", true,
              RiskLevel::kLow},
        Reply{
            "truncated mid-object",
            R"({"hasDangerousDriving":true,"maxRiskLevel":"high","results":[{"groupIndex":0,"riskL)",
            false, RiskLevel::kNone},
        Reply{"trailing comma", R"({"riskLevel":"low",})", false, RiskLevel::kNone},
        Reply{"refusal", "抱歉，我无法判断这张图片。", false, RiskLevel::kNone},
        Reply{"unknown level", R"({"riskLevel":"purple"})", false, RiskLevel::kNone},
        Reply{"level as a number", R"({"riskLevel":3})", false, RiskLevel::kNone},
        Reply{"results is an object", R"({"results":{"riskLevel":"low"}})", false,
              RiskLevel::kNone},
        Reply{"confidence out of range", R"({"riskLevel":"low","confidence":250})", false,
              RiskLevel::kNone},
        Reply{"empty", "", false, RiskLevel::kNone}),
    [](const ::testing::TestParamInfo<Reply>& info) {
      return "Reply" + std::to_string(info.index);
    });

}  // namespace
}  // namespace tmon::llm
