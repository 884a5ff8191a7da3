#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace tmon::detect {

// Where a camera's stream is at: the status board's state, and the one name
// each on every surface (GET /api/cameras, /ws camera_status, the fleet's
// camera status in Redis), from to_string() alone (COMPAT.md). Header-only,
// so the API and the fleet name states without linking the detectors.
enum class CameraState {
  kStarting,  // opening the source
  kOk,        // frames are coming
  kError,     // the source failed; retrying with backoff
  kEnded,     // a file or folder that does not loop has played out
};

inline constexpr std::array<std::pair<CameraState, std::string_view>, 4> kCameraStateNames{{
    {CameraState::kStarting, "starting"},
    {CameraState::kOk, "ok"},
    {CameraState::kError, "error"},
    {CameraState::kEnded, "ended"},
}};

constexpr std::string_view to_string(CameraState state) {
  for (const auto& [value, name] : kCameraStateNames) {
    if (value == state) return name;
  }
  return "unknown";  // only through a cast of an out-of-range value
}

constexpr std::optional<CameraState> parse_camera_state(std::string_view text) {
  for (const auto& [value, name] : kCameraStateNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace tmon::detect
