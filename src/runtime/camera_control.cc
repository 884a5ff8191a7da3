#include "runtime/camera_control.h"

#include <algorithm>

#include "detect/detector_factory.h"

namespace tmon::runtime {

ManagedCameras::ManagedCameras(detect::CameraManager& cameras, config::DetectionConfig settings)
    : cameras_(cameras), settings_(std::move(settings)), policy_(settings_) {}

ManagedCameras::~ManagedCameras() {
  std::vector<int> listeners;
  {
    std::lock_guard lock(mu_);
    listeners.swap(listeners_);
  }
  for (const int id : listeners) cameras_.remove_listener(id);
}

messages::CameraId ManagedCameras::typed(const std::string& camera_id) const {
  std::lock_guard lock(mu_);
  return messages::CameraId::with_type(camera_id, integer_ids_.contains(camera_id));
}

void ManagedCameras::deliver(const messages::DetectionResult& frame,
                             const FrameListener& deliver) const {
  messages::CameraId id = typed(frame.cameraId);
  if (!id.is_integer()) return deliver(frame);
  messages::DetectionResult copy = frame;
  copy.cameraId = std::move(id);
  deliver(copy);
}

void ManagedCameras::set_sink(FrameListener sink) {
  cameras_.set_result_sink([this, sink = std::move(sink)](const messages::DetectionResult& frame) {
    deliver(frame, sink);
  });
}

Status ManagedCameras::check_spec(const detect::CameraSpec& spec) const {
  if (auto allowed = policy_.check(spec.url); !allowed) return allowed;
  if (spec.frame_interval_seconds != 0 &&
      !(spec.frame_interval_seconds >= api::kMinFrameIntervalSeconds &&
        spec.frame_interval_seconds <= api::kMaxFrameIntervalSeconds)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "frameInterval: expected seconds from 0.05 to 3600");
  }
  return {};
}

Status ManagedCameras::add_spec(const detect::CameraSpec& spec, bool integer_id) {
  if (auto checked = check_spec(spec); !checked) return checked;
  std::lock_guard add_lock(add_mu_);
  if (cameras_.list().size() >= static_cast<size_t>(settings_.max_cameras) &&
      !cameras_.has(spec.id)) {
    return make_error(ErrorCode::kUnavailable, "too many cameras: detection.max_cameras is " +
                                                   std::to_string(settings_.max_cameras));
  }
  // Remembered first, so that the camera's first frame already has its type;
  // forgotten again when the camera is not added (an id taken by a camera
  // keeps that camera's type).
  bool remembered = false;
  if (integer_id) {
    std::lock_guard lock(mu_);
    remembered = integer_ids_.insert(spec.id).second;
  }
  auto added = cameras_.add(spec);
  if (!added && remembered) {
    std::lock_guard lock(mu_);
    integer_ids_.erase(spec.id);
  }
  return added;
}

Status ManagedCameras::add_configured(const config::CameraConfig& camera) {
  return add_spec({camera.id, camera.url, camera.detector, camera.frame_interval_seconds,
                   camera.loop, camera.roi_mask, camera.homography},
                  camera.id_is_integer);
}

Status ManagedCameras::start_owned(const fleet::RegistryCamera& camera) {
  return add_configured(fleet::to_config(camera));
}

void ManagedCameras::stop_owned(const std::string& camera_id) {
  remove(camera_id);
}

Status ManagedCameras::add(const api::CameraRequest& request) {
  return add_spec(
      {request.id, request.url, request.detector, request.frame_interval_seconds, true, ""},
      request.id.is_integer());
}

Status ManagedCameras::replace(const api::CameraRequest& request) {
  const detect::CameraSpec spec{
      request.id, request.url, request.detector, request.frame_interval_seconds, true, ""};
  if (!cameras_.has(spec.id)) {
    return make_error(ErrorCode::kNotFound, "no camera " + request.id.text());
  }
  // A spec refused leaves the running camera as it was.
  if (auto checked = check_spec(spec); !checked) return checked;
  // The id keeps the type it was added with, whatever the path says.
  const bool integer_id = typed(spec.id).is_integer();
  remove(spec.id);
  return add_spec(spec, integer_id);
}

bool ManagedCameras::remove(const std::string& camera_id) {
  const bool removed = cameras_.remove(camera_id);
  if (removed) {
    std::lock_guard lock(mu_);
    integer_ids_.erase(camera_id);
  }
  return removed;
}

bool ManagedCameras::has(const std::string& camera_id) const {
  return cameras_.has(camera_id);
}

api::CameraInfo ManagedCameras::info_of(const detect::CameraStatus& status) const {
  api::CameraInfo info;
  info.id = typed(status.id);
  info.url = status.url;
  info.detector = status.detector;
  info.classes = detect::detector_classes(settings_, status.detector);
  info.state = status.status;
  info.message = status.message;
  info.frame_interval_seconds = status.frame_interval_seconds;
  info.fps = status.fps;
  info.last_frame_ts = status.last_frame_ts;
  info.frames_grabbed = status.frames_grabbed;
  info.frames_sampled = status.frames_sampled;
  info.frames_dropped = status.frames_dropped;
  info.errors = status.errors;
  return info;
}

std::vector<api::CameraInfo> ManagedCameras::list() const {
  std::vector<api::CameraInfo> infos;
  for (const auto& status : cameras_.list()) infos.push_back(info_of(status));
  return infos;
}

std::optional<api::CameraInfo> ManagedCameras::info(const std::string& camera_id) const {
  const auto status = cameras_.status(camera_id);
  if (!status) return std::nullopt;
  return info_of(*status);
}

Status ManagedCameras::probe(const std::string& url, Millis timeout) {
  if (auto allowed = policy_.check(url); !allowed) return allowed;
  return detect::probe_camera(url, timeout);
}

int ManagedCameras::add_listener(FrameListener on_frame, StateListener on_state) {
  const int id = cameras_.add_listener(
      [this, on_frame = std::move(on_frame)](const messages::DetectionResult& frame) {
        deliver(frame, on_frame);
      },
      [this, on_state = std::move(on_state)](const detect::CameraStatus& status) {
        on_state(info_of(status));
      });
  std::lock_guard lock(mu_);
  listeners_.push_back(id);
  return id;
}

void ManagedCameras::remove_listener(int id) {
  cameras_.remove_listener(id);
  std::lock_guard lock(mu_);
  std::erase(listeners_, id);
}

}  // namespace tmon::runtime
