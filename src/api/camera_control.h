#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "detect/camera_state.h"
#include "messages/messages.h"

namespace tmon::api {

// Where a camera's stream is at: detect's one enum (detect/camera_state.h).
using detect::CameraState;
using detect::parse_camera_state;
using detect::to_string;

// A camera as the API shows it.
struct CameraInfo {
  messages::CameraId id;  // in the type it was added with
  std::string url;        // credentials masked
  std::string detector;
  std::vector<std::string> classes;  // what its detector can find (supportedClasses)
  CameraState state = CameraState::kStarting;
  std::string message;  // why, when not ok
  double frame_interval_seconds = 0;
  double fps = 0;  // frames analysed per second, recently
  int64_t last_frame_ts = 0;
  int64_t frames_grabbed = 0;
  int64_t frames_sampled = 0;
  int64_t frames_dropped = 0;
  int64_t errors = 0;
  // Across processes (the camera registry): the detect instance pulling it
  // (nullopt: none known), its age of last frame, and registry fields.
  std::optional<std::string> owner;
  std::optional<int64_t> last_frame_age_ms;
  std::string name;
  std::string location;
  bool ephemeral = false;
};

// The frame intervals a camera may have (seconds): faster spins a core,
// slower overflows time arithmetic.
inline constexpr double kMinFrameIntervalSeconds = 0.05;
inline constexpr double kMaxFrameIntervalSeconds = 3600;

// What starts a camera: from POST /api/cameras or /ws start_stream.
struct CameraRequest {
  messages::CameraId id;
  std::string url;
  std::string detector;               // empty: the configured default
  double frame_interval_seconds = 0;  // 0: the configured default
  // Opened by a /ws start_stream for an id no one knew: removed (after a
  // grace period, across processes) when its last watcher leaves.
  bool ephemeral = false;
};

// What the API needs of the cameras this process pulls (detection, which
// the API does not link: it is implemented over the camera manager where
// the process is put together). Thread-safe.
class CameraControl {
 public:
  // Every analysed frame, with its annotated thumbnail; the id in the type
  // the camera was added with.
  using FrameListener = std::function<void(const messages::DetectionResult&)>;
  // A camera whose state changed.
  using StateListener = std::function<void(const CameraInfo&)>;

  virtual ~CameraControl() = default;

  // Starts a camera. kInvalidArgument: bad id, URL or detector (the message
  // says which); kRejected: the id is taken.
  virtual Status add(const CameraRequest& request) = 0;
  // Replaces a camera's spec (URL, detector, interval; `request.id` names
  // it) and restarts it with the new one. kNotFound: no such camera;
  // otherwise the errors of add(), checked before anything changes. Slow:
  // not on a connection's thread.
  virtual Status replace(const CameraRequest& request) = 0;
  // Stops and forgets a camera now (an operator's DELETE); false when
  // unknown. Slow (joins its grabber): not on a connection's thread.
  virtual bool remove(const std::string& camera_id) = 0;
  // The last /ws watcher of a camera it started has left: where cameras are
  // shared across processes an ephemeral camera waits out a grace period
  // (a watcher coming back keeps it); here it goes at once.
  virtual bool release(const std::string& camera_id) { return remove(camera_id); }
  virtual bool has(const std::string& camera_id) const = 0;
  virtual std::vector<CameraInfo> list() const = 0;
  virtual std::optional<CameraInfo> info(const std::string& camera_id) const = 0;
  // Opens `url` and reads one frame within about `timeout`; the error says
  // what failed. Slow: not on a connection's thread.
  virtual Status probe(const std::string& url, Millis timeout) = 0;
  // Returns an id for remove_listener. Listeners run on detection's threads.
  virtual int add_listener(FrameListener on_frame, StateListener on_state) = 0;
  virtual void remove_listener(int id) = 0;
};

}  // namespace tmon::api
