#include "detect/synthetic_camera.h"

#include <gtest/gtest.h>

namespace tmon::detect {
namespace {

SimOptions busy_scene(uint64_t seed) {
  SimOptions scene;
  scene.seed = seed;
  scene.density = 1.0;
  scene.near_miss = 0.3;
  return scene;
}

TEST(SyntheticCameraTest, FramesCarryTheScenesRoadUsersGroupedWithCrops) {
  SyntheticCamera camera("synthetic-1", busy_scene(3));
  int64_t capture_ms = 1'700'000'000'000;
  int frames_with_groups = 0;
  for (int i = 0; i < 30; ++i) {
    capture_ms += 1800;
    const auto frame = camera.next(1.8, capture_ms);
    EXPECT_EQ(frame.cameraId, "synthetic-1");
    EXPECT_EQ(frame.captureTs, capture_ms);
    EXPECT_EQ(frame.detectedTs, capture_ms);
    EXPECT_EQ(frame.imageWidth, 640);
    if (frame.trafficGroups.empty()) continue;
    ++frames_with_groups;
    ASSERT_EQ(frame.groupImages.size(), frame.trafficGroups.size());
    for (const auto& image : frame.groupImages) EXPECT_GT(image.imageBase64.size(), 100u);
  }
  EXPECT_GT(frames_with_groups, 20);
}

TEST(SyntheticCameraTest, SameSeedSameFrames) {
  SyntheticCamera a("cam", busy_scene(5));
  SyntheticCamera b("cam", busy_scene(5));
  for (int i = 0; i < 10; ++i) {
    const auto fa = a.next(1.0, 1000 * i);
    const auto fb = b.next(1.0, 1000 * i);
    EXPECT_EQ(fa.detectedObjects, fb.detectedObjects);
    EXPECT_EQ(fa.trafficGroups, fb.trafficGroups);
    EXPECT_EQ(fa.groupImages, fb.groupImages);
  }
}

}  // namespace
}  // namespace tmon::detect
