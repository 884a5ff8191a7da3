#include "api/camera_control.h"

#include <array>
#include <utility>

namespace tmon::api {
namespace {

constexpr std::array<std::pair<CameraState, std::string_view>, 4> kStates{{
    {CameraState::kStarting, "starting"},
    {CameraState::kOk, "ok"},
    {CameraState::kError, "error"},
    {CameraState::kEnded, "ended"},
}};

}  // namespace

std::string_view to_string(CameraState state) {
  for (const auto& [value, name] : kStates) {
    if (value == state) return name;
  }
  return "unknown";  // only through a cast of an out-of-range value
}

std::optional<CameraState> parse_camera_state(std::string_view text) {
  for (const auto& [value, name] : kStates) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace tmon::api
