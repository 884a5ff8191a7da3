#include "aggregate/alerts.h"

#include <gtest/gtest.h>

namespace tmon::aggregate {
namespace {

using messages::Alert;
using messages::RiskLevel;

Alert decoded(const std::string& json) {
  auto alert = messages::decode_alert(json);
  EXPECT_TRUE(alert) << alert.error().message;
  return alert ? *alert : Alert{};
}

messages::AssessmentResult risk(const std::string& group, RiskLevel level,
                                std::vector<std::string> types = {"tailgating"}) {
  messages::AssessmentResult r;
  r.taskId = "t-" + group;
  r.cameraId = "cam-01";
  r.requestId = "r";
  r.groupId = group;
  r.groupIndex = group.empty() ? 0 : group.back() - '0';
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
  const Alert alert = decoded(decision.writes[0].alert_json);
  EXPECT_EQ(alert.groupId, "g2");
  EXPECT_EQ(alert.groupIndex, 2);
  EXPECT_EQ(alert.riskLevel, RiskLevel::kHigh);
  EXPECT_FALSE(alert.isContinuation);
  EXPECT_EQ(alert.startedTs, 1'000);
  EXPECT_EQ(alert.displayUntilTs, 31'000);
  EXPECT_EQ(alert.dangerObjectIds, (std::vector<int>{1, 2}));
  EXPECT_EQ(alert.dangerObjectCount, 2);
  EXPECT_TRUE(decision.writes[0].replaces.empty());
  EXPECT_EQ(decision.renewed.size(), 1u);
  EXPECT_EQ(decision.on_display, decision.renewed);
}

TEST(AlertsTest, AnAlertOnTheSameGroupWhileShowingContinuesIt) {
  std::map<std::string, std::string> active;
  const auto first = decide_alerts({risk("g1", RiskLevel::kCritical)}, active, kPolicy, 1'000);
  remember(active, first);
  const auto next = decide_alerts({risk("g1", RiskLevel::kHigh, {"pedestrian_conflict"})}, active,
                                  kPolicy, 10'000);
  ASSERT_EQ(next.writes.size(), 1u);
  const Alert before = decoded(first.writes[0].alert_json);
  const Alert after = decoded(next.writes[0].alert_json);
  EXPECT_EQ(after.alertId, before.alertId);
  EXPECT_EQ(after.startedTs, 1'000);
  EXPECT_EQ(after.lastUpdatedTs, 10'000);
  EXPECT_EQ(after.displayUntilTs, 40'000);
  EXPECT_TRUE(after.isContinuation);
  EXPECT_EQ(after.updateCount, 2);
  EXPECT_EQ(after.riskLevel, RiskLevel::kCritical);  // the highest seen
  EXPECT_EQ(after.riskTypes, (std::vector<std::string>{"tailgating", "pedestrian_conflict"}));
  EXPECT_EQ(next.writes[0].replaces, first.writes[0].alert_json);
}

TEST(AlertsTest, AfterItsDisplayTimeAnAlertEndsAndANewOneStarts) {
  std::map<std::string, std::string> active;
  remember(active, decide_alerts({risk("g1", RiskLevel::kHigh)}, active, kPolicy, 1'000));
  remember(active, decide_alerts({risk("g2", RiskLevel::kHigh)}, active, kPolicy, 2'000));

  const auto later = decide_alerts({risk("g2", RiskLevel::kHigh)}, active, kPolicy, 40'000);
  EXPECT_EQ(later.ended_groups, std::vector<std::string>{"g1"});
  ASSERT_EQ(later.writes.size(), 1u);
  const Alert alert = decoded(later.writes[0].alert_json);
  EXPECT_FALSE(alert.isContinuation);  // g2's alert ended at 32 s
  EXPECT_EQ(alert.startedTs, 40'000);
  EXPECT_TRUE(later.writes[0].replaces.empty());  // the ended alert stays in the list
}

TEST(AlertsTest, AlertsStillShowingButNotRenewedAreOnDisplayAsStale) {
  std::map<std::string, std::string> active;
  remember(active, decide_alerts({risk("g1", RiskLevel::kHigh)}, active, kPolicy, 1'000));
  // g3 is risky now; g1 was at 1 s and shows until 31 s.
  const auto now = decide_alerts({risk("g3", RiskLevel::kHigh)}, active, kPolicy, 31'000);
  ASSERT_EQ(now.on_display.size(), 2u);
  EXPECT_EQ(now.on_display[0].groupId, "g1");  // by groupIndex
  EXPECT_TRUE(now.on_display[0].isStale);
  EXPECT_TRUE(now.on_display[0].isContinuation);
  EXPECT_EQ(now.on_display[1].groupId, "g3");
  EXPECT_FALSE(now.on_display[1].isStale);
  EXPECT_EQ(now.renewed.size(), 1u);
  EXPECT_TRUE(now.ended_groups.empty());
  // A millisecond later g1's time is over: it ends and is no longer shown.
  const auto later = decide_alerts({}, active, kPolicy, 31'001);
  EXPECT_EQ(later.ended_groups, std::vector<std::string>{"g1"});
  EXPECT_TRUE(later.on_display.empty());
}

TEST(AlertsTest, FailedResultsAndGrouplessResultsRaiseNothing) {
  auto failed = risk("g1", RiskLevel::kCritical);
  failed.status = messages::ResultStatus::kError;
  auto groupless = risk("", RiskLevel::kCritical);
  EXPECT_TRUE(decide_alerts({failed, groupless}, {}, kPolicy, 1'000).writes.empty());
}

}  // namespace
}  // namespace tmon::aggregate
