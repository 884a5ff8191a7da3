#include "messages/detector_names.h"

#include <gtest/gtest.h>

namespace tmon::messages {
namespace {

TEST(DetectorNamesTest, KnowsTheListedNamesAndNothingElse) {
  for (const auto name : kDetectorNames) EXPECT_TRUE(is_detector_name(name)) << name;
  for (const char* other : {"", "MOTION", "yolov8", "motion ", "ssd"}) {
    EXPECT_FALSE(is_detector_name(other)) << other;
  }
}

TEST(DetectorNamesTest, TextListsThemForErrorMessages) {
  EXPECT_EQ(detector_names_text(), "motion, yolo or hog");
}

}  // namespace
}  // namespace tmon::messages
