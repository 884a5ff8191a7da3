#include "detect/motion_detector.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "detect/scene_evaluation.h"
#include "detect/tracker.h"

namespace tmon::detect {
namespace {

DetectorPtr motion(const SimScene&) {
  return std::make_unique<MotionDetector>();
}

// Detection and tracking at 5 fps on 60 s of a sim:// scene (after a 10 s
// warm-up while the background forms), against its ground truth.
SceneScore score_on(SimOptions scene) {
  SceneScore total;
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    scene.seed = seed;
    total += evaluate_on_sim(scene, motion, 0.2, 350, 50);
  }
  std::cout << "motion @5fps noise=" << scene.noise << " exposure=" << scene.exposure
            << " shadows=" << scene.shadows << " parked=" << scene.parked << ": precision "
            << total.detection.precision() << " recall " << total.detection.recall()
            << " count error " << total.mean_count_error() << " ids/object "
            << total.ids_per_object() << " id switches/100 " << total.switches_per_100() << "\n";
  return total;
}

void expect_precise(const SceneScore& score) {
  EXPECT_GE(score.detection.precision(), 0.9);
  EXPECT_GE(score.detection.recall(), 0.93);
  EXPECT_LE(score.mean_count_error(), 0.3);
  EXPECT_LE(score.ids_per_object(), 1.5);
  EXPECT_LE(score.switches_per_100(), 1.5);
  EXPECT_GE(score.class_accuracy(), 0.85);
}

TEST(MotionDetectorTest, FindsTheSimulatedTrafficAtTheDefaultDensity) {
  expect_precise(score_on({}));
}

TEST(MotionDetectorTest, StaysPreciseUnderSensorNoise) {
  expect_precise(score_on({.noise = 6}));
}

TEST(MotionDetectorTest, StaysPreciseUnderExposureDrift) {
  expect_precise(score_on({.exposure = 0.15}));
}

TEST(MotionDetectorTest, StaysPreciseUnderSwayingShadows) {
  expect_precise(score_on({.shadows = 1}));
}

TEST(MotionDetectorTest, StaysPreciseWithCarsParkedFromTheStart) {
  expect_precise(score_on({.parked = 2}));
}

TEST(MotionDetectorTest, StaysPreciseWithEverythingAtOnce) {
  expect_precise(score_on({.noise = 6, .exposure = 0.15, .shadows = 1, .parked = 2}));
}

MotionOptions quick_start() {
  MotionOptions options;
  options.startup_frames = 3;
  return options;
}

TEST(MotionDetectorTest, CompensatesAGlobalBrightnessChangeAtOnce) {
  // The whole picture 15% brighter from one frame to the next: no blob.
  MotionDetector detector(quick_start());
  const cv::Mat road(360, 640, CV_8UC3, cv::Scalar(60, 60, 60));
  for (int i = 0; i < 4; ++i) detector.detect(road);
  cv::Mat brighter;
  road.convertTo(brighter, -1, 1.15);
  EXPECT_TRUE(detector.detect(brighter).empty());
  // A car on it is still seen.
  cv::rectangle(brighter, cv::Rect(100, 150, 70, 33), cv::Scalar(200, 60, 180), cv::FILLED);
  EXPECT_EQ(detector.detect(brighter).size(), 1u);
}

// Dense traffic at a constant exposure, detected and tracked at 5 fps as a
// camera does: the measured gain stays at 1. (The fronts of moving cars,
// where the last frame's foreground was not, once counted as the road
// brightening; the background, blended in at that gain, darkened step by
// step: 8% after 80 s here, 14% over 200 s with exposure drift on.)
TEST(MotionDetectorTest, GainDoesNotDriftInDenseTraffic) {
  MotionDetector detector;
  Tracker tracker({.min_travel = 0.5});
  SimScene scene({.seed = 2, .density = 1.0, .near_miss = 0.3});
  for (int i = 1; i <= 400; ++i) {
    scene.step(0.2);
    const double t = 0.2 * i;
    detector.observe(tracker.feedback(t, 0.1));
    const cv::Mat frame = scene.render();
    tracker.update(detector.detect(frame), frame, t);
  }
  EXPECT_NEAR(detector.gain(), 1.0, 0.01);
}

TEST(MotionDetectorTest, ShadeIsNotAnObject) {
  MotionDetector detector(quick_start());
  const cv::Mat road(360, 640, CV_8UC3, cv::Scalar(70, 110, 80));
  for (int i = 0; i < 4; ++i) detector.detect(road);
  cv::Mat shaded = road.clone();
  cv::Mat patch = shaded(cv::Rect(200, 100, 60, 40));
  patch.convertTo(patch, -1, 0.6);  // the same colour, darker
  EXPECT_TRUE(detector.detect(shaded).empty());
}

TEST(MotionDetectorTest, NeedsNoModelAndSaysNothingUntilTheBackgroundForms) {
  MotionDetector detector;
  SimScene scene({.seed = 9});
  for (int i = 0; i < 8; ++i) {  // nine start-up frames
    scene.step(1.8);
    EXPECT_TRUE(detector.detect(scene.render()).empty());
  }
  scene.step(1.8);
  EXPECT_FALSE(detector.detect(scene.render()).empty());
  EXPECT_FALSE(detector.background().empty());
}

TEST(MotionDetectorTest, RegionOfInterestMasksTheRest) {
  MotionOptions options;
  options.roi_mask = cv::Mat::zeros(360, 640, CV_8U);  // look nowhere
  MotionDetector detector(options);
  SimScene scene({.seed = 3, .density = 1.0});
  for (int i = 0; i < 12; ++i) {
    scene.step(1.8);
    EXPECT_TRUE(detector.detect(scene.render()).empty());
  }
}

TEST(MedianImageTest, TakesThePerPixelMedian) {
  std::deque<cv::Mat> images;
  for (int value : {9, 1, 5, 200, 7})
    images.push_back(cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(value)));
  const cv::Mat median = median_image(images);
  EXPECT_EQ(median.at<cv::Vec3b>(1, 1), cv::Vec3b(7, 7, 7));
}

TEST(ClassifyBlobTest, ShapeAndSizeDecide) {
  EXPECT_EQ(classify_blob({0, 0, 12, 30}, 360), "person");
  EXPECT_EQ(classify_blob({0, 0, 70, 33}, 360), "car");
  EXPECT_EQ(classify_blob({0, 0, 120, 42}, 360), "truck");
  // Twice the resolution, twice the size: the same answers.
  EXPECT_EQ(classify_blob({0, 0, 24, 60}, 720), "person");
  EXPECT_EQ(classify_blob({0, 0, 140, 66}, 720), "car");
}

}  // namespace
}  // namespace tmon::detect
