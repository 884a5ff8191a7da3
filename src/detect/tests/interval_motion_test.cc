#include "detect/interval_motion.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "detect/frame_analyzer.h"

namespace tmon::detect {
namespace {

// A 60x30 car's path at 5 fps: `speeds[i]` px/s during the i-th 0.2 s step.
std::deque<TrackPoint> path_of(const std::vector<double>& speeds, double start = 10) {
  std::deque<TrackPoint> path;
  double x = 0, t = start;
  path.push_back({t, {x, 100, 60, 30}});
  for (double speed : speeds) {
    t += 0.2;
    x += speed * 0.2;
    path.push_back({t, {x, 100, 60, 30}});
  }
  return path;
}

TEST(IntervalMotionTest, CarThatBrakedHardToAStopKeepsItsPeakSpeed) {
  // 100 px/s, then a stop within one step: standing now, fast just before.
  const auto path = path_of({100, 100, 100, 100, 100, 0, 0, 0, 0});
  EXPECT_NEAR(peak_speed(path, 10.0, std::nullopt), 100, 1e-9);
}

TEST(IntervalMotionTest, OnlyStepsAfterTheGivenTimeCount) {
  // Fast before the previous analysed frame (t = 10.8), crawling since.
  const auto path = path_of({120, 120, 120, 120, 10, 10, 5, 0, 0});
  EXPECT_NEAR(peak_speed(path, 10.8, std::nullopt), 10, 1e-9);
  EXPECT_NEAR(peak_speed(path, 0, std::nullopt), 120, 1e-9);
}

TEST(IntervalMotionTest, StandingCarHasNoSpeedAndANewTrackNone) {
  EXPECT_DOUBLE_EQ(peak_speed(path_of({0, 0, 0}), 10.0, std::nullopt), 0);
  EXPECT_DOUBLE_EQ(peak_speed(path_of({}), 10.0, std::nullopt), -1);
  EXPECT_DOUBLE_EQ(peak_speed(path_of({50, 50}), 20.0, std::nullopt), -1);
}

TEST(IntervalMotionTest, OnTheGroundPlaneInMetresPerSecond) {
  // 10 px per metre along x (and y): 100 px/s is 10 m/s.
  auto plane = GroundPlane::from_pairs({{{0, 0}, {0, 0}},
                                        {{100, 0}, {10, 0}},
                                        {{100, 100}, {10, 10}},
                                        {{0, 100}, {0, 10}}});
  ASSERT_TRUE(plane);
  const auto path = path_of({100, 100, 0});
  EXPECT_NEAR(peak_speed(path, 10.0, *plane), 10, 1e-6);
}

// Returns the detections a test sets for the next frame.
class ScriptedDetector final : public Detector {
 public:
  explicit ScriptedDetector(std::vector<Detection>& next) : next_(next) {}
  std::vector<Detection> detect(const cv::Mat&) override { return next_; }
  const char* name() const override { return "scripted"; }

 private:
  std::vector<Detection>& next_;
};

Detection car_at(double x) {
  Detection d;
  d.class_name = "car";
  d.confidence = 0.9;
  d.box = {x, 150, 60, 30};
  return d;
}

TEST(IntervalMotionTest, AnalysedFramesCarryEachMembersPeakSinceThePreviousOne) {
  // Analysed frames at 0 s and 1.8 s, tracked at 5 fps in between. Car A
  // drives at 100 px/s, brakes hard at 1.2 s and stands 4 px behind car B
  // (which stands at x = 244) from then on.
  ManualClock clock;
  std::vector<Detection> next;
  AnalyzerOptions options;
  options.thumbnail_width = 0;
  FrameAnalyzer analyzer("cam", std::make_unique<ScriptedDetector>(next), options);
  const cv::Mat image(360, 640, CV_8UC3, cv::Scalar(60, 60, 60));
  messages::DetectionResult result;
  for (int i = 0; i <= 9; ++i) {
    const double t = 0.2 * i;
    next = {car_at(std::min(60 + 100 * t, 180.0)), car_at(244)};
    const auto ms = static_cast<int64_t>(std::lround(1000 * t));
    if (i == 0 || i == 9) {
      result = analyzer.analyze(image, ms, clock);
    } else {
      analyzer.track(image, ms);
    }
  }
  ASSERT_EQ(result.trafficGroups.size(), 1u);
  const auto& members = result.trafficGroups[0].safety.members;
  ASSERT_EQ(members.size(), 2u);
  int a_id = -1;  // the one that drove up
  for (const auto& object : result.detectedObjects) {
    if (object.bbox.x1 < 200) a_id = object.objectId;
  }
  for (const auto& member : members) {
    if (member.objectId == a_id) {
      EXPECT_GT(member.peakSpeed, 70) << "braked from 100 px/s within the interval";
      EXPECT_LT(member.speed, member.peakSpeed);
    } else {
      EXPECT_GE(member.peakSpeed, 0);
      EXPECT_LT(member.peakSpeed, 10) << "stood all along";
    }
  }
}

}  // namespace
}  // namespace tmon::detect
