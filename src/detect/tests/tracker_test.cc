#include "detect/tracker.h"

#include <gtest/gtest.h>

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
  EXPECT_DOUBLE_EQ(next[0].velocity.x, 25);
  EXPECT_DOUBLE_EQ(next[0].velocity.y, 0);
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

TEST(TrackerTest, IdSwitchesOnTheSimulatedRoadAreBounded) {
  const auto motion = [] { return std::make_unique<MotionDetector>(); };
  SceneScore sampled_default, sampled_fast;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    sampled_default += evaluate_on_sim({.seed = seed}, motion, 1.8, 60, 5);
    sampled_fast += evaluate_on_sim({.seed = seed}, motion, 1.0, 60, 5);
  }
  // Sampled every 1.8 s a car moves two to four lengths between frames, and
  // people look alike: some confusion is unavoidable. Reported, and bounded.
  std::cout << "id switches per 100 track-frames: " << sampled_default.switches_per_100()
            << " at 1.8 s (" << sampled_default.track_frames << " track-frames), "
            << sampled_fast.switches_per_100() << " at 1.0 s\n";
  EXPECT_LE(sampled_default.switches_per_100(), 12.0);
  EXPECT_LE(sampled_fast.switches_per_100(), 4.0);
}

}  // namespace
}  // namespace tmon::detect
