#include "detect/grouping.h"

#include <gtest/gtest.h>

namespace tmon::detect {
namespace {

Detection make(int id, const std::string& cls, double x, double y, double w, double h) {
  return {id, cls, 2, 0.9, cv::Rect2d(x, y, w, h), {}};
}

TEST(BoxGapTest, ZeroWhenOverlappingElseEuclidean) {
  EXPECT_DOUBLE_EQ(box_gap({0, 0, 10, 10}, {5, 5, 10, 10}), 0);
  EXPECT_DOUBLE_EQ(box_gap({0, 0, 10, 10}, {13, 0, 10, 10}), 3);
  EXPECT_DOUBLE_EQ(box_gap({0, 0, 10, 10}, {13, 14, 10, 10}), 5);
}

TEST(ClusterDetectionsTest, ClosenessScalesWithObjectSize) {
  // Two big vehicles 60 px apart are close (size ~63); two small ones 60 px
  // apart are not (size 10).
  const std::vector<Detection> detections{
      make(1, "car", 0, 0, 80, 50), make(2, "car", 140, 0, 80, 50),
      make(3, "person", 0, 300, 10, 10), make(4, "person", 70, 300, 10, 10)};
  const auto clusters = cluster_detections(detections, 1.5, 2);
  ASSERT_EQ(clusters.size(), 1u);
  EXPECT_EQ(clusters[0], (std::vector<size_t>{0, 1}));
}

TEST(ClusterDetectionsTest, ChainsTransitively) {
  const std::vector<Detection> detections{
      make(1, "car", 0, 0, 40, 40), make(2, "car", 50, 0, 40, 40), make(3, "car", 100, 0, 40, 40)};
  const auto clusters = cluster_detections(detections, 0.5, 2);
  ASSERT_EQ(clusters.size(), 1u);
  EXPECT_EQ(clusters[0].size(), 3u);
}

TEST(GroupFeaturesTest, MeasuresSpacingAndPedestrianDistance) {
  std::vector<Detection> detections{make(1, "car", 0, 0, 40, 20), make(2, "car", 46, 0, 40, 20),
                                    make(3, "person", 90, 0, 10, 20)};
  detections[0].velocity = {10, 0};
  detections[1].velocity = {20, 0};
  detections[2].velocity = {0, 0};
  const auto features = group_features(detections, {0, 1, 2});
  EXPECT_EQ(features.classCounts.at("car"), 2);
  EXPECT_EQ(features.classCounts.at("person"), 1);
  EXPECT_DOUBLE_EQ(features.minSpacing, 6);
  EXPECT_DOUBLE_EQ(features.minPersonVehicleDistance, 4);
  EXPECT_DOUBLE_EQ(features.speed, 10);
  EXPECT_DOUBLE_EQ(features.heading, 0);
  EXPECT_GT(features.density, 0.5);
}

TEST(GroupFeaturesTest, NotApplicableDistancesStayNegative) {
  const std::vector<Detection> detections{make(1, "person", 0, 0, 10, 20),
                                          make(2, "person", 12, 0, 10, 20)};
  const auto features = group_features(detections, {0, 1});
  EXPECT_LT(features.minSpacing, 0);
  EXPECT_LT(features.minPersonVehicleDistance, 0);
}

}  // namespace
}  // namespace tmon::detect
