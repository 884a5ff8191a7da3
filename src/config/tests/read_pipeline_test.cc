// pipeline.yaml: cameras, detection, tasks, aggregation, redis, api.

#include <gtest/gtest.h>

#include "config/load.h"
#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::options_for;
using testing::TempConfigDir;

class PipelineFileTest : public ::testing::Test {
 protected:
  Result<LoadedConfig> load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
    dir_.write("pipeline.yaml", yaml);
    return load_config(options_for(dir_, std::move(env)));
  }
  std::string error_of(const std::string& yaml) {
    auto loaded = load(yaml);
    return loaded ? "<loaded>" : loaded.error().message;
  }
  std::string file() const { return dir_.file("pipeline.yaml"); }

  TempConfigDir dir_;
};

TEST_F(PipelineFileTest, ReadsEverySection) {
  auto loaded = load(R"(
cameras:
  - id: gate
    url: rtsp://10.0.0.5/stream
    enabled: false
    frame_interval_seconds: 0.5
    detector: yolo
detection:
  frame_interval_seconds: 2
  detector: hog
  jpeg_quality: 90
  min_group_size: 3
  group_distance_factor: 2.5
tasks: {max_age_seconds: 20, min_group_size: 4}
aggregation:
  latest_ttl_seconds: 60
  history_size: 10
  alerts_size: 20
  result_ttl_seconds: 600
  partial_timeout_seconds: 5
redis: {url: "redis://redis:6379/1", timeout_ms: 500}
api: {host: 0.0.0.0, port: 0, admin_token: tok, max_body_bytes: 4096, threads: 4}
)");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  const PipelineConfig& p = loaded->config->pipeline;
  ASSERT_EQ(p.cameras.size(), 1u);
  EXPECT_EQ(p.cameras[0].id, "gate");
  EXPECT_EQ(p.cameras[0].url, "rtsp://10.0.0.5/stream");
  EXPECT_FALSE(p.cameras[0].enabled);
  EXPECT_EQ(p.cameras[0].frame_interval_seconds, 0.5);
  EXPECT_EQ(p.cameras[0].detector, "yolo");
  EXPECT_EQ(p.detection.frame_interval_seconds, 2);
  EXPECT_EQ(p.detection.detector, "hog");
  EXPECT_EQ(p.detection.jpeg_quality, 90);
  EXPECT_EQ(p.detection.min_group_size, 3);
  EXPECT_EQ(p.detection.group_distance_factor, 2.5);
  EXPECT_EQ(p.tasks.max_age_seconds, 20);
  EXPECT_EQ(p.tasks.min_group_size, 4);
  EXPECT_EQ(p.aggregation.latest_ttl_seconds, 60);
  EXPECT_EQ(p.aggregation.history_size, 10);
  EXPECT_EQ(p.aggregation.alerts_size, 20);
  EXPECT_EQ(p.aggregation.result_ttl_seconds, 600);
  EXPECT_EQ(p.aggregation.partial_timeout_seconds, 5);
  EXPECT_EQ(p.redis.url, "redis://redis:6379/1");
  EXPECT_EQ(p.redis.timeout_ms, 500);
  EXPECT_EQ(p.api.host, "0.0.0.0");
  EXPECT_EQ(p.api.port, 0);
  EXPECT_EQ(p.api.admin_token, "tok");
  EXPECT_EQ(p.api.max_body_bytes, 4096);
  EXPECT_EQ(p.api.threads, 4);
}

TEST_F(PipelineFileTest, AbsentCamerasMeanFourSimulatedOnes) {
  auto loaded = load("detection:\n  jpeg_quality: 70\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& cameras = loaded->config->pipeline.cameras;
  ASSERT_EQ(cameras.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(cameras[i].id, "cam-0" + std::to_string(i + 1));
    EXPECT_EQ(cameras[i].url, "sim://?seed=" + std::to_string(i + 1));
    EXPECT_TRUE(cameras[i].enabled);
    EXPECT_EQ(cameras[i].frame_interval_seconds, 0);
  }
}

TEST_F(PipelineFileTest, EmptyCameraListMeansNoCameras) {
  auto loaded = load("cameras: []\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->config->pipeline.cameras.empty());
}

TEST_F(PipelineFileTest, CamerasKeyWithoutValueMeansDefaults) {
  auto loaded = load("cameras:\n#  - id: commented-out\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->config->pipeline.cameras.size(), 4u);
}

TEST_F(PipelineFileTest, CameraIntervalZeroInheritsButDetectionIntervalMustBePositive) {
  auto loaded = load("cameras:\n  - {id: a, url: sim://, frame_interval_seconds: 0}\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(error_of("cameras:\n  - {id: a, url: sim://, frame_interval_seconds: -1}\n"),
            file() + ":2: cameras[0].frame_interval_seconds: expected a number >= 0, got \"-1\"");
  EXPECT_EQ(error_of("detection:\n  frame_interval_seconds: 0\n"),
            file() + ":2: detection.frame_interval_seconds: expected a number > 0, got \"0\"");
}

TEST_F(PipelineFileTest, DuplicateCameraIdIsReportedOnTheSecond) {
  EXPECT_EQ(error_of("cameras:\n  - id: a\n    url: sim://\n  - id: a\n    url: sim://\n"),
            file() + ":4: cameras[1].id: expected an id not used by cameras[0], got \"a\"");
}

TEST_F(PipelineFileTest, CameraWithoutIdIsAnError) {
  EXPECT_EQ(error_of("cameras:\n  - url: sim://\n"),
            file() + ":2: cameras[0].id: expected a camera id");
}

TEST_F(PipelineFileTest, CameraWithoutUrlIsAnError) {
  EXPECT_EQ(error_of("cameras:\n  - id: a\n"),
            file() + ":2: cameras[0].url: expected a camera url");
}

TEST_F(PipelineFileTest, RejectsJpegQualityOutsideOneToHundred) {
  EXPECT_EQ(error_of("detection:\n  jpeg_quality: 0\n"),
            file() + ":2: detection.jpeg_quality: expected an integer 1..100, got \"0\"");
  EXPECT_EQ(error_of("detection:\n  jpeg_quality: 101\n"),
            file() + ":2: detection.jpeg_quality: expected an integer 1..100, got \"101\"");
}

TEST_F(PipelineFileTest, RejectsPortOutsideRange) {
  EXPECT_EQ(error_of("api:\n  port: 65536\n"),
            file() + ":2: api.port: expected a port 0..65535, got \"65536\"");
  EXPECT_EQ(error_of("api:\n  port: -1\n"),
            file() + ":2: api.port: expected a port 0..65535, got \"-1\"");
}

TEST_F(PipelineFileTest, RejectsUnknownDetector) {
  EXPECT_EQ(error_of("detection:\n  detector: magic\n"),
            file() + ":2: detection.detector: expected one of motion, yolo, hog, got \"magic\"");
}

TEST_F(PipelineFileTest, ReadsDetectorTrackerAndCameraSourceSettings) {
  auto loaded = load(R"(
cameras:
  - id: clip
    url: /videos/junction.mp4
    loop: false
    roi_mask: /videos/junction-mask.png
detection:
  crop_margin: 0.3
  thumbnail_width: 0
  workers: 3
  motion_threshold: 60
  min_area_ratio: 0.001
  yolo_model: /models/yolov8n.onnx
  yolo_input_size: 320
  yolo_confidence: 0.4
  yolo_nms: 0.5
  classes: [car, "traffic light", stop sign]
  hog_upscale: 2
  tracker_max_age: 5
  tracker_min_hits: 2
)");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  const PipelineConfig& p = loaded->config->pipeline;
  EXPECT_FALSE(p.cameras[0].loop);
  EXPECT_EQ(p.cameras[0].roi_mask, "/videos/junction-mask.png");
  const DetectionConfig& d = p.detection;
  EXPECT_EQ(d.crop_margin, 0.3);
  EXPECT_EQ(d.thumbnail_width, 0);
  EXPECT_EQ(d.workers, 3);
  EXPECT_EQ(d.motion_threshold, 60);
  EXPECT_EQ(d.min_area_ratio, 0.001);
  EXPECT_EQ(d.yolo_model, "/models/yolov8n.onnx");
  EXPECT_EQ(d.yolo_input_size, 320);
  EXPECT_EQ(d.yolo_confidence, 0.4);
  EXPECT_EQ(d.yolo_nms, 0.5);
  EXPECT_EQ(d.classes, (std::vector<std::string>{"car", "traffic light", "stop sign"}));
  EXPECT_EQ(d.hog_upscale, 2);
  EXPECT_EQ(d.tracker_max_age, 5);
  EXPECT_EQ(d.tracker_min_hits, 2);
}

TEST_F(PipelineFileTest, ClassesMustBeCocoNamesSpelledAsCoco) {
  // The original dropped these two by spelling them with underscores.
  EXPECT_EQ(error_of("detection:\n  classes:\n    - car\n    - traffic_light\n"),
            file() + ":4: detection.classes[1]: expected a COCO class name (e.g. \"car\", "
                     "\"traffic light\"), got \"traffic_light\"");
  EXPECT_EQ(error_of("detection:\n  classes: car\n"),
            file() + ":2: detection.classes: expected a list of strings, got \"car\"");
}

TEST_F(PipelineFileTest, AdminTokenExpandsToEmptyWhenUnset) {
  auto loaded = load("api:\n  admin_token: ${TMON_ADMIN_TOKEN:-}\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->config->pipeline.api.admin_token, "");
  EXPECT_TRUE(loaded->warnings.empty());
}

}  // namespace
}  // namespace tmon::config
