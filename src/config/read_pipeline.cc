#include <map>
#include <string>

#include "config/field_io.h"
#include "config/scalar.h"
#include "config/sections.h"
#include "messages/coco.h"

namespace tmon::config {
namespace {

constexpr int kDefaultCameraCount = 4;

Check<std::string> detector_name() {
  return one_of({"motion", "yolo", "hog"});
}

// [x, y], both numbers.
bool read_point(MapReader& item, std::string_view key, double& x, double& y) {
  std::vector<std::string> texts;
  item.read(key, texts);
  if (item.failed()) return false;
  if (texts.size() != 2) {
    item.fail(key, "expected [x, y]");
    return false;
  }
  const auto px = parse_double(texts[0]);
  const auto py = parse_double(texts[1]);
  if (!px || !py) {
    item.fail(key, "expected [x, y] as two numbers");
    return false;
  }
  x = *px;
  y = *py;
  return true;
}

// cameras[].homography: four {image: [x, y], ground: [x, y]}.
void read_homography(MapReader& camera, std::vector<GroundPointConfig>& points) {
  std::vector<GroundPointConfig> read;
  const bool present = camera.for_each("homography", [&](MapReader& pair, size_t) {
    GroundPointConfig point;
    if (!pair.has("image")) return pair.fail("image", "expected the pixel [x, y]");
    if (!pair.has("ground")) return pair.fail("ground", "expected the road point [x, y] in metres");
    if (!read_point(pair, "image", point.image_x, point.image_y)) return;
    if (!read_point(pair, "ground", point.ground_x, point.ground_y)) return;
    read.push_back(point);
  });
  if (!present || camera.failed()) return;
  if (read.size() != 4) {
    return camera.fail("homography",
                       "expected 4 point pairs {image: [x, y], ground: [x, y]}, got " +
                           std::to_string(read.size()));
  }
  points = std::move(read);
}

void read_cameras(MapReader& root, std::vector<CameraConfig>& cameras) {
  std::map<std::string, size_t> first_index;
  const bool present = root.for_each("cameras", [&](MapReader& item, size_t index) {
    CameraConfig camera;
    item.read("id", camera.id);
    camera.id_is_integer = item.plain_scalar("id") && is_decimal_integer(camera.id);
    item.read("url", camera.url);
    item.read("enabled", camera.enabled);
    // 0 inherits detection.frame_interval_seconds, hence >= 0 here and > 0 there.
    item.read("frame_interval_seconds", camera.frame_interval_seconds, number_between(0, 3600));
    item.read("detector", camera.detector, one_of({"", "motion", "yolo", "hog"}));
    item.read("loop", camera.loop);
    item.read("roi_mask", camera.roi_mask);
    read_homography(item, camera.homography);
    if (item.failed()) return;
    if (camera.id.empty()) return item.fail("id", "expected a camera id");
    const auto [it, inserted] = first_index.emplace(camera.id, index);
    if (!inserted) {
      return item.fail("id", "expected an id not used by cameras[" + std::to_string(it->second) +
                                 "], got \"" + camera.id + "\"");
    }
    if (camera.url.empty()) return item.fail("url", "expected a camera url");
    cameras.push_back(std::move(camera));
  });
  if (!present) cameras = default_cameras();
}

Check<std::string> coco_class() {
  return {[](const std::string& name) { return messages::coco_index(name) >= 0; },
          "a COCO class name (e.g. \"car\", \"traffic light\")"};
}

void read_detection(MapReader r, DetectionConfig& d) {
  r.read("frame_interval_seconds", d.frame_interval_seconds, number_between(0.05, 3600));
  r.read("detector", d.detector, detector_name());
  r.read("jpeg_quality", d.jpeg_quality, int_between(1, 100));
  r.read("min_group_size", d.min_group_size, int_at_least(1));
  r.read("group_distance_factor", d.group_distance_factor, number_above(0));
  r.read("crop_margin", d.crop_margin, number_between(0, 2));
  r.read("thumbnail_width", d.thumbnail_width, int_between(0, 4096));
  r.read("workers", d.workers, int_between(0, 256));
  r.read("motion_threshold", d.motion_threshold, int_between(1, 765));
  r.read("min_area_ratio", d.min_area_ratio, number_between(0, 1));
  r.read("yolo_model", d.yolo_model);
  r.read("yolo_input_size", d.yolo_input_size, int_between(32, 4096));
  r.read("yolo_confidence", d.yolo_confidence, number_between(0, 1));
  r.read("yolo_nms", d.yolo_nms, number_between(0, 1));
  r.read("classes", d.classes, coco_class());
  r.read("hog_upscale", d.hog_upscale, number_between(1, 8));
  r.read("track_fps", d.track_fps, number_between(0, 60));
  r.read("tracker_max_age", d.tracker_max_age, int_between(0, 1000));
  r.read("tracker_min_hits", d.tracker_min_hits, int_between(1, 1000));
  r.read("ttc_seconds", d.ttc_seconds, number_between(0, 60));
  r.read("pet_seconds", d.pet_seconds, number_between(0, 60));
  r.read("ssm_horizon_seconds", d.ssm_horizon_seconds, number_between(0.1, 60));
  r.read("allowed_sources", d.allowed_sources,
         one_of({"rtsp", "rtsps", "http", "https", "sim", "file"}));
  r.read("media_roots", d.media_roots, non_empty("media root"));
  r.read("allowed_hosts", d.allowed_hosts, non_empty("host"));
  r.read("max_cameras", d.max_cameras, int_between(1, 10'000));
}

void read_task_triggers(MapReader r, TaskTriggerConfig& t) {
  // 0 switches a trigger off; priorities are free integers (higher first).
  r.map("conflict").read("priority", t.conflict_priority);
  MapReader proximity = r.map("proximity");
  proximity.read("max_gap", t.proximity_max_gap, number_between(0, 100));
  proximity.read("priority", t.proximity_priority);
  MapReader closing = r.map("closing");
  closing.read("horizon_seconds", t.closing_horizon_seconds, number_between(0, 60));
  closing.read("max_gap", t.closing_max_gap, number_between(0, 100));
  closing.read("priority", t.closing_priority);
  MapReader tailgating = r.map("tailgating");
  tailgating.read("max_gap", t.tailgating_max_gap, number_between(0, 100));
  tailgating.read("priority", t.tailgating_priority);
  MapReader density = r.map("density");
  density.read("min_density", t.density_min, number_between(0, 1));
  density.read("priority", t.density_priority);
  MapReader crowd = r.map("crowd");
  crowd.read("min_size", t.crowd_min_size, int_between(0, 10000));
  crowd.read("priority", t.crowd_priority);
}

void read_task_dedup(MapReader r, TaskDedupConfig& d) {
  // interval_seconds is the key's earlier name; max_reassess_seconds wins.
  r.read("interval_seconds", d.max_reassess_seconds, number_at_least(0));
  read_fields(r, d);
}

void read_tasks(MapReader r, TaskConfig& t) {
  r.read("max_age_seconds", t.max_age_seconds, number_above(0));
  r.read("min_group_size", t.min_group_size, int_at_least(1));
  r.read("require_conflict_potential", t.require_conflict_potential);
  read_task_triggers(r.map("triggers"), t.triggers);
  read_task_dedup(r.map("dedup"), t.dedup);
}

void read_preview(MapReader r, PreviewConfig& p) {
  r.read("enabled", p.enabled);
  r.read("max_fps", p.max_fps, number_between(0.1, 30));
  r.read("max_width", p.max_width, int_between(16, 4096));
  r.read("max_bytes", p.max_bytes, int_between(4096, 8 << 20));
  r.read("lease_ttl_seconds", p.lease_ttl_seconds, number_between(1, 3600));
  r.read("lease_refresh_seconds", p.lease_refresh_seconds, number_between(0.1, 3600));
  r.read("lease_poll_seconds", p.lease_poll_seconds, number_between(0.1, 60));
  r.read("max_watched_cameras", p.max_watched_cameras, int_between(1, 10'000));
  if (!r.failed() && p.lease_refresh_seconds >= p.lease_ttl_seconds) {
    r.fail("lease_refresh_seconds", "expected less than lease_ttl_seconds (" +
                                        format_number(p.lease_ttl_seconds) + "), got " +
                                        format_number(p.lease_refresh_seconds));
  }
}

}  // namespace

std::vector<CameraConfig> default_cameras() {
  std::vector<CameraConfig> cameras;
  for (int i = 1; i <= kDefaultCameraCount; ++i) {
    CameraConfig camera;
    const std::string number = std::to_string(i);
    camera.id = "cam-" + std::string(number.size() < 2 ? "0" : "") + number;
    camera.url = "sim://?seed=" + std::to_string(i);
    cameras.push_back(std::move(camera));
  }
  return cameras;
}

void read_pipeline_file(MapReader& root, PipelineConfig& pipeline) {
  read_cameras(root, pipeline.cameras);
  read_detection(root.map("detection"), pipeline.detection);
  read_tasks(root.map("tasks"), pipeline.tasks);
  read_fields(root.map("aggregation"), pipeline.aggregation);
  root.read("shutdown_timeout_seconds", pipeline.shutdown_timeout_seconds, number_between(1, 3600));
  read_fields(root.map("redis"), pipeline.redis);
  MapReader api = root.map("api");
  api.read("cors_origins", pipeline.api.allowed_origins, non_empty("origin"));  // the older name
  read_fields(api, pipeline.api);
  read_preview(root.map("preview"), pipeline.preview);
  // A frame's last result may come max_age after capture and its view go
  // out a partial timeout later: its detection must still be there then.
  const auto& a = pipeline.aggregation;
  const double needed = pipeline.tasks.max_age_seconds + a.partial_timeout_seconds;
  if (!root.failed() && a.detection_ttl_seconds < needed) {
    root.map("aggregation")
        .fail("detection_ttl_seconds",
              "expected at least tasks.max_age_seconds + aggregation.partial_timeout_seconds (" +
                  format_number(needed) + "), got " + std::to_string(a.detection_ttl_seconds));
  }
}

}  // namespace tmon::config
