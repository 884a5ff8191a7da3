#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"
#include "messages/camera_id.h"

namespace tmon::fleet {

// A camera of the deployment as the registry topic holds it: the value of
// the record keyed by its id (a null value, a tombstone, removes it). This
// topic is the one place camera URLs are stored WITH their credentials; show
// them only through mask_url_credentials.
struct RegistryCamera {
  messages::CameraId id;  // in the type it came in (integer or string)
  std::string name;
  std::string location;
  std::string url;                    // with credentials
  std::string detector;               // empty: detection.detector
  double frame_interval_seconds = 0;  // 0: detection.frame_interval_seconds
  bool loop = true;
  std::string roi_mask;
  std::vector<config::GroundPointConfig> homography;
  bool enabled = true;
  // Registered by /ws start_stream for an unknown id; removed when its last
  // watcher leaves (after fleet.ephemeral_grace_seconds).
  bool ephemeral = false;
  int64_t updated_ts = 0;  // epoch ms of the write

  bool operator==(const RegistryCamera&) const = default;
};

// The registry record's value: JSON, camelCase like every tmon message.
std::string encode(const RegistryCamera& camera);
// kInvalidArgument when the value is not a camera (the message says why);
// `key` is the record's key, which must match the id inside.
Result<RegistryCamera> decode_registry_camera(std::string_view key, std::string_view value);

// A camera of pipeline.yaml as a registry entry, and back (what detection
// starts).
RegistryCamera from_config(const config::CameraConfig& camera, int64_t now_ms);
config::CameraConfig to_config(const RegistryCamera& camera);

}  // namespace tmon::fleet
