#include "detect/homography.h"

#include <gtest/gtest.h>

namespace tmon::detect {
namespace {

// A camera looking down the road: the near edge (y = 700 px) is 10 m wide
// and 1000 px long, the far edge (y = 300) also 10 m but 400 px, 40 m away.
std::vector<PointPair> perspective() {
  return {
      {{140, 700}, {0, 0}}, {{1140, 700}, {10, 0}}, {{840, 300}, {10, 40}}, {{440, 300}, {0, 40}}};
}

TEST(GroundPlaneTest, MapsTheFourPointsExactlyAndRoundTrips) {
  auto plane = GroundPlane::from_pairs(perspective());
  ASSERT_TRUE(plane) << plane.error().message;
  for (const auto& pair : perspective()) {
    const cv::Point2d ground = plane->to_ground(pair.image);
    EXPECT_NEAR(ground.x, pair.ground.x, 1e-6);
    EXPECT_NEAR(ground.y, pair.ground.y, 1e-6);
  }
  for (const cv::Point2d image :
       {cv::Point2d(640, 500), cv::Point2d(300, 650), cv::Point2d(700, 320)}) {
    const cv::Point2d back = plane->to_image(plane->to_ground(image));
    EXPECT_NEAR(back.x, image.x, 1e-6);
    EXPECT_NEAR(back.y, image.y, 1e-6);
  }
}

TEST(GroundPlaneTest, FarPixelsAreLongerMetres) {
  auto plane = GroundPlane::from_pairs(perspective());
  ASSERT_TRUE(plane);
  // 100 px across the road: 1 m at the near edge, 2.5 m at the far edge.
  EXPECT_NEAR(cv::norm(plane->to_ground({640, 700}) - plane->to_ground({740, 700})), 1.0, 1e-6);
  EXPECT_NEAR(cv::norm(plane->to_ground({640, 300}) - plane->to_ground({740, 300})), 2.5, 1e-6);
  // A velocity of 100 px/s sideways at the near edge is 1 m/s.
  const cv::Point2d v = plane->velocity_to_ground({640, 700}, {100, 0});
  EXPECT_NEAR(v.x, 1.0, 1e-6);
  EXPECT_NEAR(v.y, 0.0, 1e-6);
}

TEST(GroundPlaneTest, TopDownScaleKeepsBoxes) {
  // A camera straight above: 10 px per metre.
  auto plane = GroundPlane::from_pairs(
      {{{0, 0}, {0, 0}}, {{100, 0}, {10, 0}}, {{100, 100}, {10, 10}}, {{0, 100}, {0, 10}}});
  ASSERT_TRUE(plane);
  const cv::Rect2d box = plane->to_ground(cv::Rect2d(20, 30, 40, 20));
  EXPECT_NEAR(box.x, 2, 1e-9);
  EXPECT_NEAR(box.y, 3, 1e-9);
  EXPECT_NEAR(box.width, 4, 1e-9);
  EXPECT_NEAR(box.height, 2, 1e-9);
}

TEST(GroundPlaneTest, RejectsTooFewPairsAndPointsOnALine) {
  auto three = perspective();
  three.pop_back();
  auto few = GroundPlane::from_pairs(three);
  ASSERT_FALSE(few);
  EXPECT_NE(few.error().message.find("expected 4 point pairs"), std::string::npos);
  auto line = perspective();
  line[2].image = {640, 700};  // on the line of the first two
  auto collinear = GroundPlane::from_pairs(line);
  ASSERT_FALSE(collinear);
  EXPECT_NE(collinear.error().message.find("one line"), std::string::npos);
}

}  // namespace
}  // namespace tmon::detect
