#include "detect/ssm.h"

#include <gtest/gtest.h>

namespace tmon::detect {
namespace {

// Road users are 4 x 2 boxes (think metres) unless said otherwise; values
// below are worked out by hand from the gaps and the speeds. Boxes must
// overlap by a millionth of their size to count as touching, hence the
// tolerances.
cv::Rect2d car_at(double x, double y, double w = 4, double h = 2) {
  return {x, y, w, h};
}

// A path sampled every `step` seconds from t0 to t1, moving at `v`.
std::vector<TimedBox> path(cv::Rect2d start, cv::Point2d v, double t0, double t1,
                           double step = 0.2) {
  std::vector<TimedBox> out;
  for (double t = t0; t <= t1 + 1e-9; t += step) {
    out.push_back({t, start + v * (t - t0)});
  }
  return out;
}

TEST(TimeToCollisionTest, HeadOnClosesTheGapAtTheSumOfTheSpeeds) {
  // Gap 30 (front to front), closing at 10 + 5: 2 s.
  const auto ttc = time_to_collision(car_at(0, 0), {10, 0}, car_at(34, 0), {-5, 0}, 5);
  ASSERT_TRUE(ttc);
  EXPECT_NEAR(*ttc, 2.0, 1e-9);
}

TEST(TimeToCollisionTest, RearEndClosesAtTheDifferenceOfTheSpeeds) {
  // Follower at 15, leader at 10, gap 6: 6 / 5 = 1.2 s.
  const auto ttc = time_to_collision(car_at(0, 0), {15, 0}, car_at(10, 0), {10, 0}, 5);
  ASSERT_TRUE(ttc);
  EXPECT_NEAR(*ttc, 1.2, 1e-9);
}

TEST(TimeToCollisionTest, StoppedVehicleIsReachedAtGapOverSpeed) {
  const auto ttc = time_to_collision(car_at(0, 0), {8, 0}, car_at(16, 0), {0, 0}, 5);
  ASSERT_TRUE(ttc);
  EXPECT_NEAR(*ttc, 1.5, 1e-9);  // gap 12 at 8 per second
}

TEST(TimeToCollisionTest, CrossingPathsCollideOnlyWhenBothAreThereAtOnce) {
  // A car eastwards reaches x in [10, 14] between t = 0.6 and 1.4; a
  // pedestrian (1 x 1) southwards is in the car's lane y in [0, 2] from
  // t = 1.0 to 1.6: the boxes first touch at t = 1.0.
  const cv::Rect2d car = car_at(0, 0);
  const cv::Rect2d walker{11, -4, 1, 1};
  const auto hit = time_to_collision(car, {10, 0}, walker, {0, 3}, 5);
  ASSERT_TRUE(hit);
  EXPECT_NEAR(*hit, 1.0, 1e-9);
  // Half a second later the car has passed before the walker arrives: none.
  const cv::Rect2d late_walker{11, -5.5, 1, 1};
  EXPECT_FALSE(time_to_collision(car, {10, 0}, late_walker, {0, 3}, 5));
}

TEST(TimeToCollisionTest, DivergingOrParallelOrTooLateIsNone) {
  EXPECT_FALSE(time_to_collision(car_at(0, 0), {-10, 0}, car_at(10, 0), {10, 0}, 5));
  EXPECT_FALSE(time_to_collision(car_at(0, 0), {10, 0}, car_at(0, 5), {10, 0}, 5));
  // Would meet after 6 s, beyond the 5 s horizon.
  EXPECT_FALSE(time_to_collision(car_at(0, 0), {1, 0}, car_at(10, 0), {0, 0}, 5));
  // Boxes that overlap already are in contact (or one hides the other).
  EXPECT_FALSE(time_to_collision(car_at(0, 0), {10, 0}, car_at(2, 0), {0, 0}, 5));
  // Bumper to bumper at the same speed: no collision; closing: now.
  EXPECT_FALSE(time_to_collision(car_at(0, 0), {10, 0}, car_at(4, 0), {10, 0}, 5));
  EXPECT_EQ(time_to_collision(car_at(0, 0), {11, 0}, car_at(4, 0), {10, 0}, 5), 0.0);
}

TEST(TimeToCollisionTest, BoundaryOfTheHorizonCounts) {
  // Gap 10 at 2 per second: exactly 5 s.
  const auto ttc = time_to_collision(car_at(0, 0), {2, 0}, car_at(14, 0), {0, 0}, 5);
  ASSERT_TRUE(ttc);
  EXPECT_NEAR(*ttc, 5.0, 1e-9);
}

TEST(PostEncroachmentTimeTest, CrossingIsTheTimeFromOneLeavingToTheOtherArriving) {
  // The car (4 x 2, eastwards at 10) occupies the crossing x in [10, 11]
  // from t = 0.6 until it leaves at t = 1.1. The walker (1 x 1, southwards
  // at 2) enters the car's lane y in [0, 2] at t = 2.0. PET = 0.9 s.
  const auto car = path(car_at(0, 0), {10, 0}, 0, 3);
  const auto walker = path({10, -5, 1, 1}, {0, 2}, 0, 3);
  const auto pet = post_encroachment_time(car, walker);
  ASSERT_TRUE(pet);
  EXPECT_NEAR(*pet, 0.9, 1e-4);
  EXPECT_NEAR(*post_encroachment_time(walker, car), 0.9, 1e-4);  // symmetric
}

TEST(PostEncroachmentTimeTest, RearEndIsTheTimeHeadwayGap) {
  // Leader and follower at 10, the follower's front 5 behind the leader's
  // rear: it reaches where the leader was 0.5 s later.
  const auto leader = path(car_at(9, 0), {10, 0}, 0, 3);
  const auto follower = path(car_at(0, 0), {10, 0}, 0, 3);
  const auto pet = post_encroachment_time(leader, follower);
  ASSERT_TRUE(pet);
  EXPECT_NEAR(*pet, 0.5, 1e-4);
}

TEST(PostEncroachmentTimeTest, SimultaneousPresenceIsZeroAndDisjointPathsNone) {
  const auto a = path(car_at(0, 0), {10, 0}, 0, 2);
  const auto b = path({10, -4, 1, 1}, {0, 3}, 0, 2);  // the crossing TTC above: contact at 1 s
  EXPECT_NEAR(*post_encroachment_time(a, b), 0.0, 1e-9);
  const auto far = path(car_at(0, 20), {10, 0}, 0, 2);
  EXPECT_FALSE(post_encroachment_time(a, far));
  // Diverging from one point: they were there at the same time only at the
  // start, side by side (touching, not overlapping): no encroachment.
  const auto left = path(car_at(-4, 0), {-10, 0}, 0, 2);
  EXPECT_FALSE(post_encroachment_time(left, a));
}

TEST(PostEncroachmentTimeTest, StoppedUserIsPassedByTheOther) {
  // A pedestrian stands in the lane (x in [10, 11]) until t = 1, then steps
  // out of it at once. The car's front (x = -1 + 10 t) reaches x = 10 at
  // t = 1.1: PET 0.1 s.
  std::vector<TimedBox> walker{
      {0, {10, 0.5, 1, 1}}, {1, {10, 0.5, 1, 1}}, {1.0001, {10, 2.0, 1, 1}}, {2, {10, 7, 1, 1}}};
  const auto car = path(car_at(-5, 0), {10, 0}, 0, 3);
  const auto pet = post_encroachment_time(walker, car);
  ASSERT_TRUE(pet);
  EXPECT_NEAR(*pet, 0.1, 1e-3);
}

TEST(MeasurePairsTest, ConflictsFollowTheThresholds) {
  SafetyOptions options;  // TTC 1.5 s, PET 4 s
  RoadUser follower{1, false, car_at(0, 0), {15, 0}, path(car_at(-15, 0), {15, 0}, -1, 0)};
  RoadUser leader{2, false, car_at(10, 0), {10, 0}, path(car_at(0, 0), {10, 0}, -1, 0)};
  RoadUser far{3, false, car_at(0, 50), {0, 0}, {{0, car_at(0, 50)}}};
  const auto pairs = measure_pairs({follower, leader, far}, options);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].a, 1);
  EXPECT_EQ(pairs[0].b, 2);
  EXPECT_NEAR(*pairs[0].ttc, 1.2, 1e-4);
  EXPECT_FALSE(pairs[0].pet);  // same heading: following, not crossing
  EXPECT_TRUE(pairs[0].conflict);
  EXPECT_NEAR(pairs[0].distance, 6, 1e-9);
  EXPECT_NEAR(pairs[0].closing_speed, 5, 1e-9);
  options.ttc_seconds = 1.1;  // 1.2 s is no longer a conflict
  EXPECT_FALSE(measure_pairs({follower, leader}, options)[0].conflict);
}

TEST(MeasurePairsTest, CrossingPathsGetAPet) {
  RoadUser car{1, false, car_at(30, 0), {10, 0}, path(car_at(0, 0), {10, 0}, 0, 3)};
  RoadUser walker{2, true, {10, 1, 1, 1}, {0, 2}, path({10, -5, 1, 1}, {0, 2}, 0, 3)};
  const auto pairs = measure_pairs({car, walker}, {});
  ASSERT_EQ(pairs.size(), 1u);
  ASSERT_TRUE(pairs[0].pet);
  EXPECT_NEAR(*pairs[0].pet, 0.9, 1e-4);
  EXPECT_TRUE(pairs[0].conflict);  // <= 4 s
}

}  // namespace
}  // namespace tmon::detect
