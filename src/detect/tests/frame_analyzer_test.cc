#include "detect/frame_analyzer.h"

#include <gtest/gtest.h>

#include <map>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "common/base64.h"
#include "detect/motion_detector.h"
#include "detect/sim_scene.h"

namespace tmon::detect {
namespace {

// Returns fixed detections, for checking what the analyzer builds around them.
class FixedDetector final : public Detector {
 public:
  explicit FixedDetector(std::vector<Detection> detections) : detections_(std::move(detections)) {}
  std::vector<Detection> detect(const cv::Mat&) override { return detections_; }
  const char* name() const override { return "fixed"; }

 private:
  std::vector<Detection> detections_;
};

Detection make(const std::string& cls, double x, double y, double w, double h) {
  Detection d;
  d.class_name = cls;
  d.confidence = 0.9;
  d.box = {x, y, w, h};
  return d;
}

TEST(FrameAnalyzerTest, GroupsCarryOneDecodableCropAndStableIds) {
  ManualClock clock;
  FrameAnalyzer analyzer("cam-1",
                         std::make_unique<FixedDetector>(std::vector<Detection>{
                             make("car", 20, 20, 60, 30), make("car", 90, 20, 60, 30),
                             make("person", 250, 150, 10, 20)}),
                         {});
  const cv::Mat image(200, 300, CV_8UC3, cv::Scalar(50, 50, 50));
  const auto first = analyzer.analyze(image, 1'000, clock);
  ASSERT_EQ(first.detectedObjects.size(), 3u);
  ASSERT_EQ(first.trafficGroups.size(), 1u);
  ASSERT_EQ(first.groupImages.size(), 1u);
  EXPECT_EQ(first.trafficGroups[0].groupId, "cam-1-g1");
  EXPECT_EQ(first.trafficGroups[0].objectIds.size(), 2u);
  const auto jpeg = base64_decode(first.groupImages[0].imageBase64);
  ASSERT_TRUE(jpeg);
  const cv::Mat crop =
      cv::imdecode(std::vector<uchar>(jpeg->begin(), jpeg->end()), cv::IMREAD_COLOR);
  EXPECT_EQ(crop.cols, first.groupImages[0].width);
  EXPECT_GT(crop.cols, 130);  // both cars plus margin
  EXPECT_FALSE(first.thumbnailBase64.empty());
  // Same scene a second later: same objects, same group.
  const auto second = analyzer.analyze(image, 2'000, clock);
  EXPECT_EQ(second.trafficGroups[0].groupId, "cam-1-g1");
  EXPECT_EQ(second.detectedObjects[0].objectId, first.detectedObjects[0].objectId);
  EXPECT_EQ(second.frameNumber, 2);
  EXPECT_NE(second.requestId, first.requestId);
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

TEST(FrameAnalyzerTest, ApproachingRoadUsersGetATtcAndFormAConflictGroup) {
  // A car drives at 100 px/s towards a car standing 200 px ahead: TTC 2 s
  // now... too far to be grouped by distance, and no conflict at 1.5 s yet.
  // One second later the gap is 100 px: TTC 1 s, a conflict, one group.
  ManualClock clock;
  std::vector<Detection> next;
  AnalyzerOptions options;
  options.thumbnail_width = 0;
  FrameAnalyzer analyzer("cam", std::make_unique<ScriptedDetector>(next), options);
  const cv::Mat image(360, 640, CV_8UC3, cv::Scalar(60, 60, 60));
  messages::DetectionResult result;
  for (int i = 0; i <= 10; ++i) {  // 5 frames a second for 2 s
    const double t = 0.2 * i;
    next = {make("car", 20 + 100 * t, 150, 60, 30), make("car", 280 + 100 * 0, 150, 60, 30)};
    next[1].box.x = 400;  // parked: stays put
    if (i == 5) {
      result = analyzer.analyze(image, static_cast<int64_t>(1000 * t), clock);
      ASSERT_TRUE(result.trafficGroups.empty());  // 260 px apart, TTC 2.6 s
    } else {
      result = analyzer.analyze(image, static_cast<int64_t>(1000 * t), clock);
    }
  }
  // At t = 2 s: the mover's front at 280, the standing car at 400: gap 120
  // at 100 px/s: TTC 1.2 s <= 1.5 s, a conflict candidate.
  ASSERT_EQ(result.trafficGroups.size(), 1u);
  const auto& safety = result.trafficGroups[0].safety;
  EXPECT_TRUE(safety.conflict);
  EXPECT_EQ(safety.units, "px");
  EXPECT_NEAR(safety.minTtc, 1.2, 0.05);
  ASSERT_EQ(safety.pairs.size(), 1u);
  EXPECT_NEAR(safety.pairs[0].distance, 120, 1);
  EXPECT_NEAR(safety.pairs[0].closingSpeed, 100, 5);
  ASSERT_EQ(safety.members.size(), 2u);
  double fastest = 0;
  for (const auto& member : safety.members) fastest = std::max(fastest, member.speed);
  EXPECT_NEAR(fastest, 100, 5);
}

TEST(FrameAnalyzerTest, GroupIdsStayStableOnTheSimulatedRoad) {
  // While a group's membership is unchanged from one frame to the next, its
  // id must not change.
  ManualClock clock;
  FrameAnalyzer analyzer("sim", std::make_unique<MotionDetector>(), {});
  SimScene scene({.seed = 4, .density = 0.8});
  std::map<std::set<int>, std::string> id_of_members;
  int unchanged = 0, kept = 0;
  for (int i = 0; i < 300; ++i) {
    scene.step(0.2);
    const auto result = analyzer.analyze(scene.render(), 200 * (i + 1), clock);
    std::map<std::set<int>, std::string> now;
    for (const auto& group : result.trafficGroups) {
      const std::set<int> members(group.objectIds.begin(), group.objectIds.end());
      now[members] = group.groupId;
      if (const auto it = id_of_members.find(members); it != id_of_members.end()) {
        ++unchanged;
        kept += it->second == group.groupId;
      }
    }
    id_of_members = std::move(now);
  }
  ASSERT_GT(unchanged, 10);
  EXPECT_EQ(kept, unchanged);
}

}  // namespace
}  // namespace tmon::detect
