// The YOLO path for real: a tiny ONNX model built by the test (Debian's
// python3-onnx) with a known head output, loaded and run by OpenCV DNN.
#include "detect/yolo_detector.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "messages/coco.h"

namespace tmon::detect {
namespace {

std::string make_model(const std::string& layout) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tmon-yolo-" + layout + "-" + std::to_string(getpid()) + ".onnx");
  const std::string command = std::string("/usr/bin/python3 ") + TMON_SOURCE_DIR +
                              "/src/detect/tests/make_yolo_onnx.py " + path.string() + " " +
                              layout + " 640";
  EXPECT_EQ(std::system(command.c_str()), 0) << "needs python3-onnx (scripts/setup.sh)";
  return path.string();
}

class YoloDetectorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(YoloDetectorTest, DecodesBothHeadLayoutsThroughOpenCvDnn) {
  const std::string path = make_model(GetParam());
  auto model = YoloModel::load(path);
  ASSERT_TRUE(model) << model.error().message;
  YoloDetector detector(*model, {.classes = messages::traffic_classes()});
  // 1280 x 720 into 640 x 640: scale 0.5, 140 px of grey above and below.
  const cv::Mat frame(720, 1280, CV_8UC3, cv::Scalar(50, 50, 50));
  auto detections = detector.detect(frame);
  std::filesystem::remove(path);
  std::sort(detections.begin(), detections.end(),
            [](const Detection& a, const Detection& b) { return a.confidence > b.confidence; });
  // The duplicate car is suppressed, the person at the same place kept, the
  // dog filtered out, the unsure car dropped.
  ASSERT_EQ(detections.size(), 3u);
  EXPECT_EQ(detections[0].class_name, "car");
  EXPECT_NEAR(detections[0].confidence, 0.9, 1e-6);
  EXPECT_EQ(detections[0].box, cv::Rect2d(540, 300, 200, 120));
  EXPECT_EQ(detections[1].class_name, "person");
  EXPECT_EQ(detections[2].class_name, "traffic light");  // with its space
  EXPECT_EQ(detections[2].class_id, 9);
  EXPECT_EQ(detections[2].box, cv::Rect2d(180, 70, 40, 100));
}

INSTANTIATE_TEST_SUITE_P(Layouts, YoloDetectorTest, ::testing::Values("v8", "v5"));

TEST(YoloModelTest, MissingFileIsAClearError) {
  auto model = YoloModel::load("/nonexistent/yolov8n.onnx");
  ASSERT_FALSE(model);
  EXPECT_NE(model.error().message.find("no such file"), std::string::npos);
}

TEST(LetterboxTest, KeepsTheAspectRatioWithGreyBars) {
  const Letterbox box = letterbox(cv::Mat(360, 640, CV_8UC3, cv::Scalar(0, 0, 0)), 320);
  EXPECT_DOUBLE_EQ(box.scale, 0.5);
  EXPECT_EQ(box.pad, cv::Point2d(0, 70));
  EXPECT_EQ(box.image.size(), cv::Size(320, 320));
  EXPECT_EQ(box.image.at<cv::Vec3b>(0, 0), cv::Vec3b(114, 114, 114));
  EXPECT_EQ(box.image.at<cv::Vec3b>(160, 160), cv::Vec3b(0, 0, 0));
}

TEST(CocoTest, NamesAreCocosOwn) {
  EXPECT_EQ(messages::coco_names().size(), 80u);
  EXPECT_EQ(messages::coco_index("traffic light"), 9);
  EXPECT_EQ(messages::coco_index("stop sign"), 11);
  EXPECT_EQ(messages::coco_index("trafficlight"), -1);
}

}  // namespace
}  // namespace tmon::detect
