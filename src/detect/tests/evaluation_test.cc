#include "detect/evaluation.h"

#include <gtest/gtest.h>

#include "detect/scene_evaluation.h"

namespace tmon::detect {
namespace {

TEST(MatchBoxesTest, CountsHitsMissesAndFalseAlarms) {
  const auto counts =
      match_boxes({{0, 0, 10, 10}, {50, 50, 10, 10}}, {{1, 1, 10, 10}, {200, 200, 5, 5}}, 0.3);
  EXPECT_EQ(counts.true_positives, 1);
  EXPECT_EQ(counts.false_negatives, 1);
  EXPECT_EQ(counts.false_positives, 1);
  EXPECT_EQ(counts.match_of_truth, (std::vector<int>{0, -1}));
}

TEST(MatchBoxesTest, EachDetectionMatchesOnce) {
  const auto counts = match_boxes({{0, 0, 10, 10}, {1, 0, 10, 10}}, {{0, 0, 10, 10}}, 0.3);
  EXPECT_EQ(counts.true_positives, 1);
  EXPECT_EQ(counts.false_negatives, 1);
}

TEST(MatchBoxesTest, DontCareObjectsExcuseTheirDetections) {
  const auto counts = match_boxes({}, {{0, 0, 10, 10}}, 0.3, {{0, 0, 9, 10}});
  EXPECT_EQ(counts.false_positives, 0);
}

TEST(IouTest, OverlapOverUnion) {
  EXPECT_DOUBLE_EQ(iou({0, 0, 10, 10}, {5, 0, 10, 10}), 50.0 / 150.0);
  EXPECT_DOUBLE_EQ(iou({0, 0, 10, 10}, {20, 0, 10, 10}), 0.0);
}

// A pair with no TTC estimate counts as outside the tolerance in within(),
// and is left out of within_estimated().
TEST(TtcScoreTest, MissingEstimatesCountAsOutsideButNotAmongTheEstimated) {
  SceneScore::TtcScore score;
  score.errors = {0.05, 0.1, 0.5};
  score.missing = 1;
  EXPECT_EQ(score.pairs(), 4u);
  EXPECT_DOUBLE_EQ(score.within(0.2), 0.5);
  EXPECT_DOUBLE_EQ(score.within_estimated(0.2), 2.0 / 3.0);
}

}  // namespace
}  // namespace tmon::detect
