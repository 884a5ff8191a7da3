#include "aggregate/alerts.h"

#include <gtest/gtest.h>

namespace tmon::aggregate {
namespace {

using messages::RiskLevel;
using nlohmann::json;

messages::AssessmentResult risk(const std::string& group, RiskLevel level,
                                std::vector<std::string> types = {"tailgating"}) {
  messages::AssessmentResult r;
  r.taskId = "t-" + group;
  r.cameraId = "cam-01";
  r.requestId = "r";
  r.groupId = group;
  messages::RiskAssessment assessment;
  assessment.maxRiskLevel = level;
  assessment.hasDangerousDriving = level >= RiskLevel::kHigh;
  assessment.results.push_back({0, level, 0.9, std::move(types), "desc", 2, {1, 2}});
  r.riskAssessment = assessment;
  return r;
}

const AlertPolicy kPolicy{RiskLevel::kHigh, 30'000};

// Applies a decision to an "active alerts" map as the store would.
void remember(std::map<std::string, std::string>& active, const AlertDecision& decision) {
  for (const auto& write : decision.writes) active[write.group_id] = write.alert_json;
  for (const auto& group : decision.ended_groups) active.erase(group);
}

TEST(AlertsTest, OnlyRisksAtTheThresholdRaiseAlerts) {
  const auto decision = decide_alerts(
      {risk("g1", RiskLevel::kMedium), risk("g2", RiskLevel::kHigh)}, {}, kPolicy, 1'000);
  ASSERT_EQ(decision.writes.size(), 1u);
  const auto alert = json::parse(decision.writes[0].alert_json);
  EXPECT_EQ(alert["groupId"], "g2");
  EXPECT_EQ(alert["riskLevel"], "high");
  EXPECT_EQ(alert["isContinuation"], false);
  EXPECT_EQ(alert["startedAt"], 1'000);
  EXPECT_EQ(alert["displayUntil"], 31'000);
  EXPECT_TRUE(decision.writes[0].replaces.empty());
  EXPECT_EQ(decision.alerts.size(), 1u);
}

TEST(AlertsTest, AnAlertOnTheSameGroupWhileShowingContinuesIt) {
  std::map<std::string, std::string> active;
  const auto first = decide_alerts({risk("g1", RiskLevel::kCritical)}, active, kPolicy, 1'000);
  remember(active, first);
  const auto next = decide_alerts({risk("g1", RiskLevel::kHigh, {"pedestrian_conflict"})}, active,
                                  kPolicy, 10'000);
  ASSERT_EQ(next.writes.size(), 1u);
  const auto before = json::parse(first.writes[0].alert_json);
  const auto after = json::parse(next.writes[0].alert_json);
  EXPECT_EQ(after["alertId"], before["alertId"]);
  EXPECT_EQ(after["startedAt"], 1'000);
  EXPECT_EQ(after["lastUpdatedAt"], 10'000);
  EXPECT_EQ(after["displayUntil"], 40'000);
  EXPECT_EQ(after["isContinuation"], true);
  EXPECT_EQ(after["updateCount"], 2);
  EXPECT_EQ(after["riskLevel"], "critical");  // the highest seen
  EXPECT_EQ(after["riskTypes"], json({"tailgating", "pedestrian_conflict"}));
  EXPECT_EQ(next.writes[0].replaces, first.writes[0].alert_json);
}

TEST(AlertsTest, AfterItsDisplayTimeAnAlertEndsAndANewOneStarts) {
  std::map<std::string, std::string> active;
  remember(active, decide_alerts({risk("g1", RiskLevel::kHigh)}, active, kPolicy, 1'000));
  remember(active, decide_alerts({risk("g2", RiskLevel::kHigh)}, active, kPolicy, 2'000));

  const auto later = decide_alerts({risk("g2", RiskLevel::kHigh)}, active, kPolicy, 40'000);
  EXPECT_EQ(later.ended_groups, std::vector<std::string>{"g1"});
  ASSERT_EQ(later.writes.size(), 1u);
  const auto alert = json::parse(later.writes[0].alert_json);
  EXPECT_EQ(alert["isContinuation"], false);  // g2's alert ended at 32 s
  EXPECT_EQ(alert["startedAt"], 40'000);
  EXPECT_TRUE(later.writes[0].replaces.empty());  // the ended alert stays in the list
}

TEST(AlertsTest, FailedResultsAndGrouplessResultsRaiseNothing) {
  auto failed = risk("g1", RiskLevel::kCritical);
  failed.status = messages::ResultStatus::kError;
  auto groupless = risk("", RiskLevel::kCritical);
  EXPECT_TRUE(decide_alerts({failed, groupless}, {}, kPolicy, 1'000).writes.empty());
}

}  // namespace
}  // namespace tmon::aggregate
