#include "fleet/registry_camera.h"

#include <nlohmann/json.hpp>

#include "messages/codec.h"

namespace tmon::fleet {
namespace {

using json = messages::JsonValue;

Error bad(const std::string& why) {
  return Error{ErrorCode::kInvalidArgument, "registry record: " + why};
}

}  // namespace

std::string encode(const RegistryCamera& camera) {
  json homography = json::array();
  for (const auto& point : camera.homography) {
    homography.push_back({{"imageX", point.image.x},
                          {"imageY", point.image.y},
                          {"groundX", point.ground.x},
                          {"groundY", point.ground.y}});
  }
  json value{{"schemaVersion", 1},
             {"cameraId", messages::to_json(camera.id)},
             {"name", camera.name},
             {"location", camera.location},
             {"url", camera.url},
             {"detector", camera.detector},
             {"frameInterval", camera.frame_interval_seconds},
             {"loop", camera.loop},
             {"roiMask", camera.roi_mask},
             {"homography", std::move(homography)},
             {"enabled", camera.enabled},
             {"ephemeral", camera.ephemeral},
             {"updatedTs", camera.updated_ts}};
  return value.dump();
}

Result<RegistryCamera> decode_registry_camera(std::string_view key, std::string_view value) {
  const json doc = json::parse(value, nullptr, false);
  if (!doc.is_object()) return tl::unexpected(bad("not a JSON object"));
  RegistryCamera camera;
  const auto& id = doc.contains("cameraId") ? doc["cameraId"] : json();
  if (id.is_number_integer()) {
    camera.id = messages::CameraId::integer(id.get<int64_t>());
  } else if (id.is_string() && !id.get_ref<const std::string&>().empty()) {
    camera.id = messages::CameraId(id.get<std::string>());
  } else {
    return tl::unexpected(bad("cameraId: expected a non-empty string or an integer"));
  }
  if (camera.id.text() != key) {
    return tl::unexpected(bad("cameraId " + camera.id.text().substr(0, 64) +
                              " differs from the record key " + std::string(key.substr(0, 64))));
  }
  // Optional fields keep their defaults when absent; present, they must
  // have their type (a wrong type is a writer's bug, not a default).
  std::string error;
  const auto text = [&](const char* name, std::string& out) {
    if (!doc.contains(name) || doc[name].is_null()) return;
    if (!doc[name].is_string()) {
      error = std::string(name) + ": expected a string";
      return;
    }
    out = doc[name].get<std::string>();
  };
  const auto flag = [&](const char* name, bool& out) {
    if (!doc.contains(name) || doc[name].is_null()) return;
    if (!doc[name].is_boolean()) {
      error = std::string(name) + ": expected true or false";
      return;
    }
    out = doc[name].get<bool>();
  };
  text("name", camera.name);
  text("location", camera.location);
  text("url", camera.url);
  text("detector", camera.detector);
  text("roiMask", camera.roi_mask);
  flag("loop", camera.loop);
  flag("enabled", camera.enabled);
  flag("ephemeral", camera.ephemeral);
  if (doc.contains("frameInterval") && !doc["frameInterval"].is_null()) {
    if (!doc["frameInterval"].is_number() || doc["frameInterval"].get<double>() < 0) {
      error = "frameInterval: expected a number of seconds >= 0";
    } else {
      camera.frame_interval_seconds = doc["frameInterval"].get<double>();
    }
  }
  if (doc.contains("updatedTs") && doc["updatedTs"].is_number_integer()) {
    camera.updated_ts = doc["updatedTs"].get<int64_t>();
  }
  if (doc.contains("homography") && doc["homography"].is_array()) {
    for (const auto& point : doc["homography"]) {
      if (!point.is_object()) {
        error = "homography: expected objects {imageX, imageY, groundX, groundY}";
        break;
      }
      config::GroundPointConfig p;
      p.image.x = point.value("imageX", 0.0);
      p.image.y = point.value("imageY", 0.0);
      p.ground.x = point.value("groundX", 0.0);
      p.ground.y = point.value("groundY", 0.0);
      camera.homography.push_back(p);
    }
  }
  if (!error.empty()) return tl::unexpected(bad(error));
  if (camera.url.empty()) return tl::unexpected(bad("url: expected a non-empty string"));
  return camera;
}

RegistryCamera from_config(const config::CameraConfig& camera, int64_t now_ms) {
  RegistryCamera entry;
  entry.id = messages::CameraId::with_type(camera.id, camera.id_is_integer);
  entry.url = camera.url;
  entry.detector = camera.detector;
  entry.frame_interval_seconds = camera.frame_interval_seconds;
  entry.loop = camera.loop;
  entry.roi_mask = camera.roi_mask;
  entry.homography = camera.homography;
  entry.enabled = camera.enabled;
  entry.updated_ts = now_ms;
  return entry;
}

config::CameraConfig to_config(const RegistryCamera& camera) {
  config::CameraConfig out;
  out.id = camera.id.text();
  out.id_is_integer = camera.id.is_integer();
  out.url = camera.url;
  out.enabled = camera.enabled;
  out.frame_interval_seconds = camera.frame_interval_seconds;
  out.detector = camera.detector;
  out.loop = camera.loop;
  out.roi_mask = camera.roi_mask;
  out.homography = camera.homography;
  return out;
}

}  // namespace tmon::fleet
