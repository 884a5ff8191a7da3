#include "detect/frame_builder.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "common/base64.h"
#include "detect/sim_camera.h"

namespace tmon::detect {
namespace {

TEST(FrameBuilderTest, GroupsCarryADecodableCropOnce) {
  cv::Mat image(200, 300, CV_8UC3, cv::Scalar(50, 50, 50));
  const std::vector<Detection> detections{{10, "car", 2, 0.9, {20, 20, 60, 30}, {}},
                                          {11, "car", 2, 0.9, {90, 20, 60, 30}, {}},
                                          {12, "person", 0, 0.9, {250, 150, 10, 20}, {}}};
  const auto result = build_detection_result("cam-1", 7, 1000, 1010, image, detections, {});
  EXPECT_EQ(result.cameraId, "cam-1");
  EXPECT_EQ(result.frameNumber, 7);
  EXPECT_EQ(result.detectedObjects.size(), 3u);
  ASSERT_EQ(result.trafficGroups.size(), 1u);
  EXPECT_EQ(result.trafficGroups[0].groupId, "cam-1-g10");
  EXPECT_EQ(result.trafficGroups[0].objectIds, (std::vector<int>{10, 11}));
  ASSERT_EQ(result.groupImages.size(), 1u);
  const auto jpeg = base64_decode(result.groupImages[0].imageBase64);
  ASSERT_TRUE(jpeg);
  const cv::Mat crop =
      cv::imdecode(std::vector<uchar>(jpeg->begin(), jpeg->end()), cv::IMREAD_COLOR);
  EXPECT_EQ(crop.cols, result.groupImages[0].width);
  EXPECT_EQ(crop.rows, result.groupImages[0].height);
  EXPECT_GT(crop.cols, 130);  // both cars plus margin
}

TEST(FrameBuilderTest, SimCameraProducesGroupsOverTime) {
  SimCamera camera({.seed = 3, .density = 0.8});
  int groups = 0;
  for (int i = 0; i < 20; ++i) {
    const auto frame = camera.next_frame(1.8);
    groups +=
        static_cast<int>(build_detection_result("cam", i, i, i, frame.image, frame.detections, {})
                             .trafficGroups.size());
  }
  EXPECT_GT(groups, 5);
}

}  // namespace
}  // namespace tmon::detect
