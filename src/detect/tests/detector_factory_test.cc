#include "detect/detector_factory.h"

#include <gtest/gtest.h>

#include "messages/detector_names.h"

namespace tmon::detect {
namespace {

bool unknown(const Result<DetectorPtr>& made) {
  return !made && made.error().message.find("unknown detector") != std::string::npos;
}

// The API refuses detector names by messages::kDetectorNames (it does not
// link detection): the factory must know exactly those.
TEST(DetectorFactoryTest, KnowsExactlyTheSharedDetectorNames) {
  DetectorFactory factory(config::DetectionConfig{});  // no YOLO model configured
  for (const auto name : messages::kDetectorNames) {
    const auto made = factory.make(std::string(name), "");
    EXPECT_FALSE(unknown(made)) << name;
    // yolo needs a model file: refused for that reason, not for its name.
    if (made) {
      EXPECT_EQ(std::string_view((*made)->name()), name);
    }
  }
  for (const char* other : {"MOTION", "yolov8", "ssd", "motion "}) {
    const auto made = factory.make(other, "");
    EXPECT_TRUE(unknown(made)) << other;
    if (!made) {
      EXPECT_NE(made.error().message.find(messages::detector_names_text()), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace tmon::detect
