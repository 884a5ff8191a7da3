// pipeline.yaml: cameras, detection, tasks, aggregation, redis, api.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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

TEST_F(PipelineFileTest, APlainIntegerCameraIdIsANumberAndAQuotedOneText) {
  auto loaded = load(R"(
cameras:
  - {id: 3, url: "sim://"}
  - {id: "4", url: "sim://"}
  - {id: 05, url: "sim://"}
  - {id: cam-6, url: "sim://"}
)");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& cameras = loaded->config->pipeline.cameras;
  ASSERT_EQ(cameras.size(), 4u);
  EXPECT_EQ(cameras[0].id, "3");
  EXPECT_TRUE(cameras[0].id_is_integer);
  EXPECT_FALSE(cameras[1].id_is_integer);
  EXPECT_FALSE(cameras[2].id_is_integer);  // "05" would not come back as written
  EXPECT_FALSE(cameras[3].id_is_integer);
}

TEST_F(PipelineFileTest, DetectionsMustOutliveTheirLastView) {
  EXPECT_EQ(error_of("tasks: {max_age_seconds: 20}\n"
                     "aggregation: {partial_timeout_seconds: 15, detection_ttl_seconds: 30}\n"),
            file() +
                ":2: aggregation.detection_ttl_seconds: expected at least "
                "tasks.max_age_seconds + aggregation.partial_timeout_seconds (35), got 30");
}

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
  max_pending_frames: 50
  alert_display_seconds: 12
  alert_min_level: medium
redis: {url: "redis://redis:6379/1", timeout_ms: 500}
api: {host: 0.0.0.0, port: 0, admin_token: tok, max_body_bytes: 4096, threads: 4,
      cors_origins: ["http://front.example"]}
)");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  EXPECT_EQ(loaded->config->pipeline.api.allowed_origins,
            std::vector<std::string>{"http://front.example"});
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
  EXPECT_EQ(p.aggregation.max_pending_frames, 50);
  EXPECT_EQ(p.aggregation.alert_display_seconds, 12);
  EXPECT_EQ(p.aggregation.alert_min_level, "medium");
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
  EXPECT_EQ(
      error_of("cameras:\n  - {id: a, url: sim://, frame_interval_seconds: -1}\n"),
      file() + ":2: cameras[0].frame_interval_seconds: expected a number 0..3600, got \"-1\"");
  EXPECT_EQ(
      error_of("detection:\n  frame_interval_seconds: 0\n"),
      file() + ":2: detection.frame_interval_seconds: expected a number 0.05..3600, got \"0\"");
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
            file() + ":2: detection.detector: expected motion, yolo or hog, got \"magic\"");
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
  tracker_max_age: 7
  tracker_min_hits: 2
  track_fps: 10
  ttc_seconds: 2
  pet_seconds: 3
  ssm_horizon_seconds: 6
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
  EXPECT_EQ(d.tracker_max_age, 7);
  EXPECT_EQ(d.tracker_min_hits, 2);
  EXPECT_EQ(d.track_fps, 10);
  EXPECT_EQ(d.ttc_seconds, 2);
  EXPECT_EQ(d.pet_seconds, 3);
  EXPECT_EQ(d.ssm_horizon_seconds, 6);
}

TEST_F(PipelineFileTest, ReadsACamerasGroundPlane) {
  auto loaded = load(R"(
cameras:
  - id: junction
    url: sim://
    homography:
      - {image: [0, 360], ground: [0, 0]}
      - {image: [640, 360], ground: [12.5, 0]}
      - {image: [640, 0], ground: [12.5, 40]}
      - {image: [0, 0], ground: [0, 40]}
)");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& points = loaded->config->pipeline.cameras[0].homography;
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[1], (GroundPointConfig{640, 360, 12.5, 0}));
  EXPECT_EQ(points[3], (GroundPointConfig{0, 0, 0, 40}));
}

TEST_F(PipelineFileTest, GroundPlaneNeedsFourPairsOfTwoNumbers) {
  const std::string three = R"(
cameras:
  - id: junction
    url: sim://
    homography:
      - {image: [0, 360], ground: [0, 0]}
      - {image: [640, 360], ground: [12.5, 0]}
      - {image: [640, 0], ground: [12.5, 40]}
)";
  EXPECT_NE(error_of(three).find("cameras[0].homography: expected 4 point pairs"),
            std::string::npos)
      << error_of(three);
  const std::string bad_point = R"(
cameras:
  - id: junction
    url: sim://
    homography:
      - {image: [0, 360, 1], ground: [0, 0]}
)";
  EXPECT_NE(error_of(bad_point).find("homography[0].image: expected [x, y]"), std::string::npos)
      << error_of(bad_point);
}

TEST_F(PipelineFileTest, ClassesMustBeCocoNamesSpelledAsCoco) {
  // The original dropped these two by spelling them with underscores.
  EXPECT_EQ(error_of("detection:\n  classes:\n    - car\n    - traffic_light\n"),
            file() +
                ":4: detection.classes[1]: expected a COCO class name (e.g. \"car\", "
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

TEST_F(PipelineFileTest, ReadsTaskTriggersAndDedup) {
  auto loaded = load(R"(
tasks:
  triggers:
    proximity: {max_gap: 0.75, priority: 9}
    closing: {horizon_seconds: 3, max_gap: 0.5, priority: 8}
    tailgating: {max_gap: 0, priority: 7, min_in_line: 0.5}
    density: {min_density: 0.95, priority: 6}
    crowd: {min_size: 6, priority: 5}
  dedup:
    interval_seconds: 30
    distance_shrink: 0.5
    speed_change: 1.5
    forget_after_seconds: 120
    max_cameras: 50
    max_groups_per_camera: 16
    track_identity: false
    coalesce_seconds: 3.6
    quiet_news_waits: false
    imminent_ttc_seconds: 0.5
    closer_pair_ratio: 0.5
    closer_pair_min_drop: 0.2
)");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  const TaskConfig& t = loaded->config->pipeline.tasks;
  EXPECT_EQ(t.max_age_seconds, 10);  // untouched keys keep their defaults
  EXPECT_EQ(t.triggers.proximity.max_gap, 0.75);
  EXPECT_EQ(t.triggers.proximity.priority, 9);
  EXPECT_EQ(t.triggers.closing.horizon_seconds, 3);
  EXPECT_EQ(t.triggers.closing.max_gap, 0.5);
  EXPECT_EQ(t.triggers.closing.priority, 8);
  EXPECT_EQ(t.triggers.tailgating.max_gap, 0);
  EXPECT_EQ(t.triggers.tailgating.priority, 7);
  EXPECT_EQ(t.triggers.tailgating.min_in_line, 0.5);
  EXPECT_EQ(t.triggers.density.min_density, 0.95);
  EXPECT_EQ(t.triggers.density.priority, 6);
  EXPECT_EQ(t.triggers.crowd.min_size, 6);
  EXPECT_EQ(t.triggers.crowd.priority, 5);
  EXPECT_EQ(t.dedup.max_reassess_seconds, 30);  // the earlier key name still works
  EXPECT_EQ(t.dedup.distance_shrink, 0.5);
  EXPECT_EQ(t.dedup.speed_change, 1.5);
  EXPECT_EQ(t.dedup.forget_after_seconds, 120);
  EXPECT_EQ(t.dedup.max_cameras, 50);
  EXPECT_EQ(t.dedup.max_groups_per_camera, 16);
  EXPECT_FALSE(t.dedup.track_identity);
  EXPECT_EQ(t.dedup.coalesce_seconds, 3.6);
  EXPECT_FALSE(t.dedup.quiet_news_waits);
  EXPECT_EQ(t.dedup.imminent_ttc_seconds, 0.5);
  EXPECT_EQ(t.dedup.closer_pair_ratio, 0.5);
  EXPECT_EQ(t.dedup.closer_pair_min_drop, 0.2);
  // Defaults: judged by tracks, deferrable reasons wait five analysed frames,
  // every first sight goes out at once.
  const TaskDedupConfig defaults;
  EXPECT_TRUE(defaults.track_identity);
  EXPECT_EQ(defaults.coalesce_seconds, 9);
  EXPECT_TRUE(defaults.quiet_news_waits);
  EXPECT_EQ(defaults.imminent_ttc_seconds, 0.3);
  EXPECT_EQ(defaults.closer_pair_ratio, 0.7);
  EXPECT_EQ(defaults.closer_pair_min_drop, 0.1);
  EXPECT_EQ(TailgatingTriggerConfig{}.min_in_line, 0.3);
}

TEST_F(PipelineFileTest, BadTaskSettingsNameFileLineAndKey) {
  EXPECT_EQ(error_of("tasks:\n  triggers:\n    density:\n      min_density: 1.5\n"),
            file() + ":4: tasks.triggers.density.min_density: expected a number 0..1, got \"1.5\"");
  EXPECT_EQ(error_of("tasks:\n  dedup:\n    interval_seconds: -1\n"),
            file() + ":3: tasks.dedup.interval_seconds: expected a number >= 0, got \"-1\"");
  EXPECT_EQ(
      error_of("tasks:\n  triggers:\n    crowd: {min_size: many}\n"),
      file() + ":3: tasks.triggers.crowd.min_size: expected an integer 0..10000, got \"many\"");
  EXPECT_EQ(error_of("tasks:\n  dedup:\n    max_reassess_seconds: -1\n"),
            file() + ":3: tasks.dedup.max_reassess_seconds: expected a number >= 0, got \"-1\"");
  EXPECT_EQ(error_of("tasks:\n  dedup:\n    max_cameras: 0\n"),
            file() + ":3: tasks.dedup.max_cameras: expected an integer >= 1, got \"0\"");
  EXPECT_EQ(error_of("tasks:\n  dedup:\n    closer_pair_ratio: 1.5\n"),
            file() + ":3: tasks.dedup.closer_pair_ratio: expected a number 0..1, got \"1.5\"");
  EXPECT_EQ(error_of("tasks:\n  dedup:\n    coalesce_seconds: -1\n"),
            file() + ":3: tasks.dedup.coalesce_seconds: expected a number >= 0, got \"-1\"");
}

TEST_F(PipelineFileTest, PreviewKeysAreReadAndTheLeaseMustOutliveItsRefresh) {
  auto loaded = load(
      "preview: {enabled: false, max_fps: 1, max_width: 320, max_bytes: 32768,\n"
      "          lease_ttl_seconds: 6, lease_refresh_seconds: 2, lease_poll_seconds: 0.5,\n"
      "          max_watched_cameras: 8}\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const PreviewConfig& p = loaded->config->pipeline.preview;
  EXPECT_FALSE(p.enabled);
  EXPECT_EQ(p.max_fps, 1);
  EXPECT_EQ(p.max_width, 320);
  EXPECT_EQ(p.max_bytes, 32768);
  EXPECT_EQ(p.lease_ttl_seconds, 6);
  EXPECT_EQ(p.lease_refresh_seconds, 2);
  EXPECT_EQ(p.lease_poll_seconds, 0.5);
  EXPECT_EQ(p.max_watched_cameras, 8);
  // A lease refreshed no sooner than it expires would flicker.
  EXPECT_NE(error_of("preview: {lease_ttl_seconds: 3, lease_refresh_seconds: 3}\n")
                .find("preview.lease_refresh_seconds: expected less than lease_ttl_seconds (3)"),
            std::string::npos);
  EXPECT_NE(error_of("preview: {max_bytes: 10}\n").find("preview.max_bytes"), std::string::npos);
}

TEST_F(PipelineFileTest, ShippedTaskDefaultsMatchTheStruct) {
  // config/pipeline.yaml documents every key with its default value.
  std::ifstream shipped(std::string(TMON_SOURCE_DIR) + "/config/pipeline.yaml");
  ASSERT_TRUE(shipped) << "config/pipeline.yaml not found";
  std::stringstream text;
  text << shipped.rdbuf();
  auto loaded = load(text.str());
  ASSERT_TRUE(loaded) << loaded.error().message;
  const TaskConfig& t = loaded->config->pipeline.tasks;
  const TaskConfig d;
  EXPECT_EQ(t.max_age_seconds, d.max_age_seconds);
  EXPECT_EQ(t.min_group_size, d.min_group_size);
  EXPECT_EQ(t.triggers.proximity.max_gap, d.triggers.proximity.max_gap);
  EXPECT_EQ(t.triggers.proximity.priority, d.triggers.proximity.priority);
  EXPECT_EQ(t.triggers.closing.horizon_seconds, d.triggers.closing.horizon_seconds);
  EXPECT_EQ(t.triggers.closing.max_gap, d.triggers.closing.max_gap);
  EXPECT_EQ(t.triggers.closing.priority, d.triggers.closing.priority);
  EXPECT_EQ(t.triggers.tailgating.max_gap, d.triggers.tailgating.max_gap);
  EXPECT_EQ(t.triggers.tailgating.priority, d.triggers.tailgating.priority);
  EXPECT_EQ(t.triggers.tailgating.min_in_line, d.triggers.tailgating.min_in_line);
  EXPECT_EQ(t.triggers.density.min_density, d.triggers.density.min_density);
  EXPECT_EQ(t.triggers.density.priority, d.triggers.density.priority);
  EXPECT_EQ(t.triggers.crowd.min_size, d.triggers.crowd.min_size);
  EXPECT_EQ(t.triggers.crowd.priority, d.triggers.crowd.priority);
  EXPECT_EQ(t.require_conflict_potential, d.require_conflict_potential);
  EXPECT_EQ(t.triggers.conflict.priority, d.triggers.conflict.priority);
  EXPECT_EQ(t.dedup.max_reassess_seconds, d.dedup.max_reassess_seconds);
  EXPECT_EQ(t.dedup.involved_members_only, d.dedup.involved_members_only);
  EXPECT_EQ(t.dedup.distance_shrink, d.dedup.distance_shrink);
  EXPECT_EQ(t.dedup.speed_change, d.dedup.speed_change);
  EXPECT_EQ(t.dedup.forget_after_seconds, d.dedup.forget_after_seconds);
  EXPECT_EQ(t.dedup.max_cameras, d.dedup.max_cameras);
  EXPECT_EQ(t.dedup.max_groups_per_camera, d.dedup.max_groups_per_camera);
  EXPECT_EQ(t.dedup.coalesce_seconds, d.dedup.coalesce_seconds);
  EXPECT_EQ(t.dedup.quiet_news_waits, d.dedup.quiet_news_waits);
  EXPECT_EQ(t.dedup.imminent_ttc_seconds, d.dedup.imminent_ttc_seconds);
  EXPECT_EQ(t.dedup.closer_pair_ratio, d.dedup.closer_pair_ratio);
  EXPECT_EQ(t.dedup.closer_pair_min_drop, d.dedup.closer_pair_min_drop);
  const DetectionConfig& detection = loaded->config->pipeline.detection;
  const DetectionConfig detection_defaults;
  EXPECT_EQ(detection.track_fps, detection_defaults.track_fps);
  EXPECT_EQ(detection.tracker_max_age, detection_defaults.tracker_max_age);
  EXPECT_EQ(detection.ttc_seconds, detection_defaults.ttc_seconds);
  EXPECT_EQ(detection.pet_seconds, detection_defaults.pet_seconds);
  EXPECT_EQ(detection.ssm_horizon_seconds, detection_defaults.ssm_horizon_seconds);
}

}  // namespace
}  // namespace tmon::config
