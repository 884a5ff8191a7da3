#include "schedule/batch_reply.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

using messages::GroupRisk;
using messages::RiskLevel;

GroupRisk risk(int group, RiskLevel level) {
  GroupRisk r;
  r.groupIndex = group;
  r.riskLevel = level;
  return r;
}

TEST(BatchReplyTest, EachGroupGetsItsOwnEntriesWhateverTheReplyOrder) {
  messages::RiskAssessment reply;
  reply.maxRiskLevel = RiskLevel::kHigh;
  reply.hasDangerousDriving = true;
  reply.results = {risk(3, RiskLevel::kNone), risk(1, RiskLevel::kHigh), risk(2, RiskLevel::kLow)};
  const auto split = split_batch_reply(reply, {1, 2, 3});
  ASSERT_EQ(split.size(), 3u);
  ASSERT_TRUE(split[0] && split[1] && split[2]);
  EXPECT_EQ(split[0]->results, (std::vector<GroupRisk>{risk(1, RiskLevel::kHigh)}));
  EXPECT_EQ(split[0]->maxRiskLevel, RiskLevel::kHigh);
  EXPECT_TRUE(split[0]->hasDangerousDriving);
  // The frame's high risk does not leak into the other groups' results.
  EXPECT_EQ(split[1]->maxRiskLevel, RiskLevel::kLow);
  EXPECT_FALSE(split[1]->hasDangerousDriving);
  EXPECT_EQ(split[2]->results[0].groupIndex, 3);
  EXPECT_EQ(split[2]->maxRiskLevel, RiskLevel::kNone);
}

TEST(BatchReplyTest, AGroupTheReplyLeftOutHasNoAssessment) {
  messages::RiskAssessment reply;
  reply.results = {risk(1, RiskLevel::kLow), risk(kUnnamedGroup, RiskLevel::kHigh),
                   risk(9, RiskLevel::kHigh)};
  const auto split = split_batch_reply(reply, {1, 2});
  ASSERT_EQ(split.size(), 2u);
  EXPECT_TRUE(split[0]);
  // Neither an entry naming no group nor one for a group not asked about
  // stands in for group 2.
  EXPECT_FALSE(split[1]);
}

}  // namespace
}  // namespace tmon::schedule
