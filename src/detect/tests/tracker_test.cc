#include "detect/tracker.h"

#include <gtest/gtest.h>

#include <set>

#include "detect/motion_detector.h"
#include "detect/scene_evaluation.h"

namespace tmon::detect {
namespace {

Detection box(double x, double y, const std::string& cls = "car", double w = 60, double h = 30) {
  Detection d;
  d.class_name = cls;
  d.box = {x, y, w, h};
  return d;
}

const cv::Mat kBlank(360, 640, CV_8UC3, cv::Scalar(60, 60, 60));

TEST(TrackerTest, KeepsIdsOfObjectsMovingSteadily) {
  Tracker tracker;
  auto first = tracker.update({box(0, 100), box(0, 200)}, kBlank, 0);
  ASSERT_EQ(first.size(), 2u);
  const int a = first[0].object_id;
  const int b = first[1].object_id;
  EXPECT_NE(a, b);
  for (int step = 1; step <= 5; ++step) {
    auto next = tracker.update({box(100.0 * step, 200), box(100.0 * step, 100)}, kBlank, step);
    ASSERT_EQ(next.size(), 2u);
    EXPECT_EQ(next[0].object_id, b);  // order of detections does not matter
    EXPECT_EQ(next[1].object_id, a);
  }
}

TEST(TrackerTest, MeasuresVelocity) {
  Tracker tracker;
  tracker.update({box(0, 100)}, kBlank, 0);
  const auto next = tracker.update({box(50, 100)}, kBlank, 2);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_NEAR(next[0].velocity.x, 25, 1e-9);
  EXPECT_NEAR(next[0].velocity.y, 0, 1e-9);
}

TEST(TrackerTest, APersonDoesNotInheritACarsId) {
  Tracker tracker;
  const int car = tracker.update({box(100, 100)}, kBlank, 0)[0].object_id;
  const auto next = tracker.update({box(110, 100, "person", 12, 30)}, kBlank, 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_NE(next[0].object_id, car);
}

TEST(TrackerTest, TracksEndAfterMaxAgeMisses) {
  Tracker tracker({.max_age_seconds = 1});
  tracker.update({box(0, 100)}, kBlank, 0);
  tracker.update({}, kBlank, 1);
  EXPECT_EQ(tracker.live_tracks(), 1u);
  tracker.update({}, kBlank, 2);
  EXPECT_EQ(tracker.live_tracks(), 0u);
}

TEST(TrackerTest, MinHitsHoldsBackNewTracks) {
  Tracker tracker({.min_hits = 2});
  EXPECT_TRUE(tracker.update({box(0, 100)}, kBlank, 0).empty());
  EXPECT_EQ(tracker.update({box(40, 100)}, kBlank, 1).size(), 1u);
}

TEST(TrackerTest, IdSwitchesOnTheSimulatedRoadAreRare) {
  const auto motion = [] { return std::make_unique<MotionDetector>(); };
  SceneScore five_fps, dense;
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    five_fps += evaluate_on_sim({.seed = seed}, motion, 0.2, 350, 50);
    dense +=
        evaluate_on_sim({.seed = seed, .density = 1.0, .near_miss = 0.3}, motion, 0.2, 350, 50);
  }
  std::cout << "id switches per 100 track-frames at 5 fps: " << five_fps.switches_per_100() << " ("
            << five_fps.track_frames << " track-frames), dense " << dense.switches_per_100()
            << "; vehicle count error dense " << dense.mean_count_error() << "\n";
  EXPECT_LE(five_fps.switches_per_100(), 1.0);
  EXPECT_LE(dense.switches_per_100(), 1.0);
  EXPECT_LE(dense.mean_count_error(), 0.35);
}

TEST(TrackerTest, SplitsABlobThatCoversTwoTrackedCars) {
  Tracker tracker;
  // Two cars a car's length apart drive right at 50 px/s, seen 5 times a second.
  int first = -1, second = -1;
  for (int i = 0; i < 5; ++i) {
    const double x = 10.0 * i;
    auto out = tracker.update({box(x, 100), box(x + 70, 100)}, kBlank, 0.2 * i);
    ASSERT_EQ(out.size(), 2u);
    first = out[0].object_id;
    second = out[1].object_id;
  }
  // Now one blob covers both (the gap between them closed in the picture).
  const auto merged = tracker.update({box(50, 100, "truck", 130, 30)}, kBlank, 1.0);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(tracker.splits(), 1);
  std::set<int> ids{merged[0].object_id, merged[1].object_id};
  EXPECT_EQ(ids, (std::set<int>{first, second}));
  for (const auto& d : merged) {
    EXPECT_LE(d.box.width, 70);  // each got its part
    EXPECT_NEAR(d.velocity.x, 50, 10);
  }
}

TEST(TrackerTest, ABlobThatNeverTravelsIsNotReported) {
  // A flickering patch wanders in place: with min_travel, never a road user.
  Tracker tracker({.min_travel = 0.5});
  for (int i = 0; i < 20; ++i) {
    const double wobble = (i % 2) * 4.0;
    EXPECT_TRUE(tracker.update({box(100 + wobble, 100, "car", 20, 20)}, kBlank, 0.2 * i).empty());
  }
  // A car driving off is reported once it has moved half its size.
  Tracker road({.min_travel = 0.5});
  EXPECT_TRUE(road.update({box(100, 100)}, kBlank, 0).empty());
  EXPECT_TRUE(road.update({box(110, 100)}, kBlank, 0.2).empty());
  EXPECT_TRUE(road.update({box(120, 100)}, kBlank, 0.4).empty());   // 20 px of a 42 px size
  EXPECT_EQ(road.update({box(130, 100)}, kBlank, 0.6).size(), 1u);  // 30 px: over half
}

TEST(TrackFilterTest, FollowsConstantVelocityAndPredictsAhead) {
  TrackFilter filter({0, 0, 40, 20}, 0);
  for (int i = 1; i <= 10; ++i) filter.update({12.0 * i, 3.0 * i, 40, 20}, 0.2 * i);
  EXPECT_NEAR(filter.velocity().x, 60, 1e-6);
  EXPECT_NEAR(filter.velocity().y, 15, 1e-6);
  const auto ahead = filter.predict(2.0 + 0.5);
  EXPECT_NEAR(ahead.center.x, 20 + 120 + 30, 1e-6);
  // Farther ahead, less sure.
  EXPECT_GT(filter.predict(4.0).innovation(0, 0), ahead.innovation(0, 0));
}

}  // namespace
}  // namespace tmon::detect
