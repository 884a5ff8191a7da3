#include <string>

#include "config/field_io.h"
#include "config/scalar.h"
#include "config/sections.h"

namespace tmon::config {
namespace {

constexpr int kDefaultCameraCount = 4;

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

void check_camera(MapReader& item, CameraConfig& camera, const std::vector<CameraConfig>& before) {
  if (camera.id.empty()) return item.fail("id", "expected a camera id");
  if (const auto i = index_of(before, &CameraConfig::id, camera.id)) {
    return item.fail("id", "expected an id not used by cameras[" + std::to_string(*i) +
                               "], got \"" + camera.id + "\"");
  }
  if (camera.url.empty()) return item.fail("url", "expected a camera url");
}

// interval_seconds is max_reassess_seconds' earlier name; read first, so the
// current name wins when both are given.
void read_dedup_aliases(MapReader& r, TaskDedupConfig& d) {
  r.read("interval_seconds", d.max_reassess_seconds, number_at_least(0));
}

// cors_origins is allowed_origins' earlier name.
void read_api_aliases(MapReader& r, ApiConfig& api) {
  r.read("cors_origins", api.allowed_origins, non_empty("origin"));
}

void check_preview(MapReader& r, PreviewConfig& p) {
  if (p.lease_refresh_seconds >= p.lease_ttl_seconds) {
    r.fail("lease_refresh_seconds", "expected less than lease_ttl_seconds (" +
                                        format_number(p.lease_ttl_seconds) + "), got " +
                                        format_number(p.lease_refresh_seconds));
  }
}

void read_pipeline_file(MapReader& root, PipelineConfig& pipeline) {
  read_fields(root, pipeline);
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
