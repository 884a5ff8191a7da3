#include "detect/hog_detector.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "detect/evaluation.h"

namespace tmon::detect {
namespace {

TEST(HogDetectorTest, FindsThePersonInDarknetsSamplePicture) {
  // Debian's darknet package ships this picture (scripts/setup.sh installs it).
  const cv::Mat image = cv::imread("/usr/share/darknet/data/person.jpg");
  ASSERT_FALSE(image.empty()) << "needs the darknet package's sample pictures";
  HogDetector detector;
  const auto people = detector.detect(image);
  ASSERT_FALSE(people.empty());
  EXPECT_EQ(people[0].class_name, "person");
  // The woman stands left of centre, about x 180..280, y 90..380.
  EXPECT_GT(iou(people[0].box, cv::Rect2d(175, 90, 110, 290)), 0.3) << people[0].box;
}

TEST(HogDetectorTest, SeesNoOneOnAnEmptyRoad) {
  HogDetector detector;
  EXPECT_TRUE(detector.detect(cv::Mat(360, 640, CV_8UC3, cv::Scalar(60, 60, 60))).empty());
}

}  // namespace
}  // namespace tmon::detect
