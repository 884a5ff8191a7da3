#include "fleet/registry_cameras.h"

#include <algorithm>

#include "common/logging.h"
#include "fleet/camera_status.h"
#include "messages/detector_names.h"

namespace tmon::fleet {
namespace {

constexpr size_t kMaxUnownedListed = 10;
constexpr size_t kMaxPendingRemovals = 10'000;

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("fleet");
}

}  // namespace

RegistryCameras::RegistryCameras(RegistryFollower& follower, RegistryWriter& writer,
                                 std::shared_ptr<store::RedisClient> redis,
                                 api::CameraControl* local, Clock& clock, Options options)
    : follower_(follower),
      writer_(writer),
      redis_(std::move(redis)),
      local_(local),
      clock_(clock),
      options_(std::move(options)),
      removals_(options_.ephemeral_grace, kMaxPendingRemovals) {
  reaper_ = std::thread([this] { reap(); });
}

RegistryCameras::~RegistryCameras() {
  stop();
}

void RegistryCameras::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (reaper_.joinable()) reaper_.join();
}

void RegistryCameras::reap() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto due = removals_.take_due(clock_.now());
    if (!due.empty()) {
      lock.unlock();
      for (const auto& id : due) {
        logger()->info("camera={} ephemeral, unwatched for the grace period: removed", id);
        write_removal(id);
      }
      lock.lock();
      continue;
    }
    const auto next = removals_.next_due();
    clock_.wait_until(lock, wake_, next.value_or(clock_.now() + Millis(60'000)));
  }
}

Status RegistryCameras::wait_seen(const Result<RegistryWriter::Written>& written) {
  if (!written) return tl::unexpected(written.error());
  // Acknowledged is durable; read back so that this process's next GET
  // shows it. Not seeing it in time is not a failure of the write.
  if (!follower_.wait_for(written->partition, written->offset, options_.write_timeout)) {
    logger()->warn("registry write at {}:{} acknowledged but not read back yet", written->partition,
                   written->offset);
  }
  return {};
}

Status RegistryCameras::add(const api::CameraRequest& request) {
  RegistryCamera camera;
  camera.id = request.id;
  camera.url = request.url;
  camera.detector = request.detector;
  camera.frame_interval_seconds = request.frame_interval_seconds;
  camera.ephemeral = request.ephemeral;
  return add_entry(std::move(camera));
}

Status RegistryCameras::check(const RegistryCamera& camera) const {
  if (camera.id.text().empty()) {
    return make_error(ErrorCode::kInvalidArgument, "cameraId: expected a non-empty id");
  }
  if (options_.check_source) {
    if (auto allowed = options_.check_source(camera.url); !allowed) return allowed;
  }
  if (camera.frame_interval_seconds != 0 &&
      !(camera.frame_interval_seconds >= api::kMinFrameIntervalSeconds &&
        camera.frame_interval_seconds <= api::kMaxFrameIntervalSeconds)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "frameInterval: expected seconds from 0.05 to 3600");
  }
  // Every instance would fail to start it: refused here, where it is asked.
  if (!camera.detector.empty() && !messages::is_detector_name(camera.detector)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "detector: expected " + messages::detector_names_text());
  }
  return {};
}

Status RegistryCameras::add_entry(RegistryCamera camera) {
  if (auto checked = check(camera); !checked) return checked;
  const auto existing = follower_.find(camera.id.text());
  if (existing) {
    bool was_leaving = false;
    {
      std::lock_guard lock(mu_);
      was_leaving = camera.ephemeral && removals_.cancel(camera.id.text());
    }
    if (!was_leaving) {
      return make_error(ErrorCode::kRejected, "camera " + camera.id.text() + " exists");
    }
    // A watcher came back within the grace period: the camera stays, with
    // the URL it asks for.
    if (existing->url == camera.url) return {};
  }
  if (!existing && follower_.cameras().size() >= options_.max_cameras) {
    return make_error(ErrorCode::kUnavailable, "too many cameras: the registry holds " +
                                                   std::to_string(options_.max_cameras) +
                                                   " already");
  }
  camera.updated_ts = clock_.epoch_ms();
  return wait_seen(writer_.put(camera));
}

Status RegistryCameras::replace(const api::CameraRequest& request) {
  const auto existing = follower_.find(request.id.text());
  if (!existing) return make_error(ErrorCode::kNotFound, "no camera " + request.id.text());
  // The spec the API carries is replaced; what only the registry holds
  // (name, location, ROI, enabled, ephemeral) and the id's type stay.
  RegistryCamera camera = *existing;
  camera.url = request.url;
  camera.detector = request.detector;
  camera.frame_interval_seconds = request.frame_interval_seconds;
  if (auto checked = check(camera); !checked) return checked;
  camera.updated_ts = clock_.epoch_ms();
  // The owner reads a changed record and restarts the camera with it.
  return wait_seen(writer_.put(camera));
}

bool RegistryCameras::write_removal(const std::string& camera_id) {
  auto written = writer_.remove(camera_id);
  if (!written) {
    logger()->warn("camera={} not removed: {}", camera_id, written.error().message);
    return false;
  }
  (void)wait_seen(written);
  if (redis_) (void)redis_->command({"DEL", status_key(camera_id)});
  return true;
}

bool RegistryCameras::remove(const std::string& camera_id) {
  if (!follower_.find(camera_id)) return false;
  {
    std::lock_guard lock(mu_);
    removals_.cancel(camera_id);
  }
  return write_removal(camera_id);
}

bool RegistryCameras::release(const std::string& camera_id) {
  const auto existing = follower_.find(camera_id);
  if (!existing) return false;
  if (existing->ephemeral) {
    {
      std::lock_guard lock(mu_);
      removals_.schedule(camera_id, clock_.now());
    }
    wake_.notify_all();
    return true;
  }
  return write_removal(camera_id);
}

bool RegistryCameras::has(const std::string& camera_id) const {
  {
    std::lock_guard lock(mu_);
    if (removals_.pending(camera_id)) return false;
  }
  return follower_.find(camera_id).has_value();
}

std::vector<api::CameraInfo> RegistryCameras::describe(
    const std::vector<RegistryCamera>& cameras) const {
  std::map<std::string, CameraStatusRecord> statuses;
  if (redis_ && !cameras.empty()) {
    std::vector<std::string> ids;
    ids.reserve(cameras.size());
    for (const auto& camera : cameras) ids.push_back(camera.id.text());
    if (auto read = read_statuses(*redis_, ids)) {
      statuses = std::move(*read);
    } else {
      logger()->debug("camera statuses unavailable: {}", read.error().message);
    }
  }
  const int64_t now = clock_.epoch_ms();
  std::vector<api::CameraInfo> infos;
  infos.reserve(cameras.size());
  for (const auto& camera : cameras) {
    const std::string& id = camera.id.text();
    std::optional<api::CameraInfo> here = local_ ? local_->info(id) : std::nullopt;
    api::CameraInfo info = here.value_or(api::CameraInfo{});
    info.id = camera.id;
    // The spec is the registry's (a camera pulled here may still be
    // restarting with a spec just written); the running camera's only
    // where the registry leaves the default.
    info.url = camera.url;  // masked by whoever shows it
    if (!camera.detector.empty() && camera.detector != info.detector) {
      info.detector = camera.detector;
      info.classes.clear();
    }
    if (info.classes.empty() && options_.classes_of)
      info.classes = options_.classes_of(camera.detector);
    if (camera.frame_interval_seconds != 0)
      info.frame_interval_seconds = camera.frame_interval_seconds;
    info.name = camera.name;
    info.location = camera.location;
    info.ephemeral = camera.ephemeral;
    if (here) {
      info.owner = options_.instance_id;
    } else if (const auto it = statuses.find(id);
               it != statuses.end() && is_fresh(it->second, now, options_.status_period)) {
      const auto& status = it->second;
      info.owner = status.owner;
      info.state = status.state;
      info.message = status.message;
      info.fps = status.fps;
      info.last_frame_ts = status.last_frame_ts;
      info.frames_sampled = status.frames_sampled;
      if (info.detector.empty()) info.detector = status.detector;
    } else {
      info.state = api::CameraState::kStarting;
      info.message = camera.enabled ? "no detect instance pulls it (yet)" : "disabled";
    }
    if (info.last_frame_ts > 0)
      info.last_frame_age_ms = std::max<int64_t>(0, now - info.last_frame_ts);
    infos.push_back(std::move(info));
  }
  return infos;
}

std::vector<api::CameraInfo> RegistryCameras::list() const {
  return describe(follower_.cameras());
}

std::optional<api::CameraInfo> RegistryCameras::info(const std::string& camera_id) const {
  const auto camera = follower_.find(camera_id);
  if (!camera) return std::nullopt;
  return describe({*camera}).front();
}

Status RegistryCameras::probe(const std::string& url, Millis timeout) {
  if (local_) return local_->probe(url, timeout);
  if (options_.check_source) {
    if (auto allowed = options_.check_source(url); !allowed) return allowed;
  }
  if (options_.probe) return options_.probe(url, timeout);
  return make_error(ErrorCode::kUnavailable, "no way to open sources in this process");
}

int RegistryCameras::add_listener(FrameListener on_frame, StateListener on_state) {
  // Frames of the cameras pulled here; those of other processes reach the
  // API through Redis (preview frames, views).
  return local_ ? local_->add_listener(std::move(on_frame), std::move(on_state)) : 0;
}

void RegistryCameras::remove_listener(int id) {
  if (local_ && id != 0) local_->remove_listener(id);
}

api::ComponentHealth RegistryCameras::health() const {
  const auto cameras = list();
  std::vector<std::string> unowned;
  size_t count = 0;
  for (const auto& camera : cameras) {
    if (camera.owner) continue;
    // Disabled cameras have no owner by design.
    const auto entry = follower_.find(camera.id.text());
    if (entry && !entry->enabled) continue;
    ++count;
    if (unowned.size() < kMaxUnownedListed) unowned.push_back(camera.id.text());
  }
  api::ComponentHealth health{"fleet", api::HealthStatus::kOk,
                              std::to_string(cameras.size()) + " cameras in the registry"};
  if (count > 0) {
    health.status = api::HealthStatus::kDegraded;
    std::string ids;
    for (const auto& id : unowned) ids += (ids.empty() ? "" : ", ") + id;
    health.detail += "; " + std::to_string(count) + " without an owner: " + ids +
                     (count > unowned.size() ? ", ..." : "");
  }
  return health;
}

}  // namespace tmon::fleet
