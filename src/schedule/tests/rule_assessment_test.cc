#include "schedule/rule_assessment.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

using messages::RiskLevel;

messages::AssessmentTask task_of(std::vector<messages::DetectedObject> objects,
                                 std::vector<messages::ConflictPair> pairs,
                                 std::vector<std::string> triggers) {
  messages::AssessmentTask task;
  task.groupIndex = 2;
  task.objects = std::move(objects);
  for (const auto& pair : pairs) {
    task.safety.conflict |= pair.conflict;
    if (pair.ttc >= 0 && (task.safety.minTtc < 0 || pair.ttc < task.safety.minTtc))
      task.safety.minTtc = pair.ttc;
  }
  task.safety.pairs = std::move(pairs);
  task.triggers = std::move(triggers);
  return task;
}

messages::DetectedObject car(int id) {
  return {id, "car", 2, 0.9, {0, 0, 60, 30}};
}
messages::DetectedObject person(int id) {
  return {id, "person", 0, 0.9, {0, 0, 10, 30}};
}

TEST(RuleAssessmentTest, ImminentPedestrianConflictIsHigh) {
  const auto a =
      rule_assessment(task_of({car(1), person(2)}, {{1, 2, 0.7, -1, 5, 10, true}}, {"conflict"}));
  ASSERT_EQ(a.results.size(), 1u);
  const auto& r = a.results[0];
  EXPECT_EQ(r.groupIndex, 2);
  EXPECT_EQ(r.riskLevel, RiskLevel::kHigh);
  EXPECT_EQ(r.riskTypes, (std::vector<std::string>{"人车冲突"}));
  EXPECT_EQ(r.triggerObjectIds, (std::vector<int>{1, 2}));
  EXPECT_EQ(r.dangerObjectCount, 2);
  EXPECT_EQ(r.source, "rules");
  EXPECT_NE(r.description.find("规则评估"), std::string::npos);
  EXPECT_NE(r.description.find("0.7 秒"), std::string::npos);
  EXPECT_TRUE(a.hasDangerousDriving);
  EXPECT_EQ(a.maxRiskLevel, RiskLevel::kHigh);
}

TEST(RuleAssessmentTest, RearEndConflictWithinThresholdIsMediumFollowingTooClose) {
  auto task = task_of({car(1), car(3)}, {{1, 3, 1.4, -1, 5, 10, true}}, {"conflict"});
  task.safety.members = {{1, 50, 0, 50, 0}, {3, 20, 0, 20, 0}};  // same heading
  const auto r = rule_assessment(task).results[0];
  EXPECT_EQ(r.riskLevel, RiskLevel::kMedium);
  EXPECT_EQ(r.riskTypes, (std::vector<std::string>{"跟车过近"}));
}

TEST(RuleAssessmentTest, CrossingVehiclesWithAShortPetAreAVehicleConflict) {
  auto task = task_of({car(1), car(3)}, {{1, 3, -1, 0.5, 5, 10, true}}, {"conflict"});
  task.safety.members = {{1, 50, 0, 50, 0}, {3, 0, -50, 50, 90}};
  const auto r = rule_assessment(task).results[0];
  EXPECT_EQ(r.riskLevel, RiskLevel::kHigh);  // PET 0.5 s
  EXPECT_EQ(r.riskTypes, (std::vector<std::string>{"车辆冲突"}));
}

TEST(RuleAssessmentTest, PairsThatAreNoConflictDoNotCount) {
  const auto r =
      rule_assessment(task_of({car(1), car(3)}, {{1, 3, 3.5, -1, 5, 10, false}}, {"crowd"}))
          .results[0];
  EXPECT_EQ(r.riskLevel, RiskLevel::kLow);
  EXPECT_TRUE(r.riskTypes.empty());
  EXPECT_TRUE(r.triggerObjectIds.empty());
}

TEST(RuleAssessmentTest, ProximityAloneIsMedium) {
  const auto r = rule_assessment(task_of({car(1), person(2)}, {}, {"proximity"})).results[0];
  EXPECT_EQ(r.riskLevel, RiskLevel::kMedium);
  EXPECT_EQ(r.riskTypes, (std::vector<std::string>{"人车冲突"}));
}

TEST(RuleAssessmentTest, TailgatingAloneIsLowFollowingTooClose) {
  const auto r = rule_assessment(task_of({car(1), car(3)}, {}, {"tailgating"})).results[0];
  EXPECT_EQ(r.riskLevel, RiskLevel::kLow);
  EXPECT_EQ(r.riskTypes, (std::vector<std::string>{"跟车过近"}));
}

TEST(RuleAssessmentTest, NothingAtAllIsNone) {
  const auto a = rule_assessment(task_of({car(1), car(3)}, {}, {}));
  EXPECT_EQ(a.results[0].riskLevel, RiskLevel::kNone);
  EXPECT_TRUE(a.results[0].riskTypes.empty());
  EXPECT_FALSE(a.hasDangerousDriving);
}

}  // namespace
}  // namespace tmon::schedule
