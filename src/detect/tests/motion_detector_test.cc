#include "detect/motion_detector.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "detect/scene_evaluation.h"

namespace tmon::detect {
namespace {

DetectorPtr motion() {
  return std::make_unique<MotionDetector>();
}

TEST(MotionDetectorTest, FindsTheSimulatedTrafficAtTheDefaultDensity) {
  SceneScore total;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    // The default camera: 640 x 360, density 0.6, a frame every 1.8 s.
    total += evaluate_on_sim({.seed = seed}, motion, 1.8, 60, 5);
  }
  std::cout << "motion @1.8s: precision " << total.detection.precision() << " recall "
            << total.detection.recall() << " class accuracy " << total.class_accuracy() << " over "
            << total.detection.true_positives + total.detection.false_negatives << " objects\n";
  EXPECT_GE(total.detection.precision(), 0.9);
  EXPECT_GE(total.detection.recall(), 0.9);
  EXPECT_GE(total.class_accuracy(), 0.85);
}

TEST(MotionDetectorTest, NeedsNoModelAndSaysNothingUntilTheBackgroundForms) {
  MotionDetector detector;
  SimScene scene({.seed = 9});
  for (int i = 0; i < 4; ++i) {
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
