#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/api_server.h"
#include "api/camera_control.h"
#include "common/clock.h"
#include "fleet/grace_removals.h"
#include "fleet/registry_follower.h"
#include "store/redis_client.h"

namespace tmon::fleet {

// api::CameraControl over the camera registry: the cameras of the whole
// deployment. add/remove write to the registry topic and return once the
// broker acknowledged the write and this process's follower has read it
// (so the answer and the next GET agree); the owning detect instance starts
// or stops the camera when it reads the record. list/info join the registry
// with each camera's status in Redis (owner, state, fps, last frame). Probes
// and frame listeners go to this process's own cameras (`local`), when it
// pulls any. Thread-safe.
class RegistryCameras final : public api::CameraControl {
 public:
  struct Options {
    Millis status_period{2'000};  // fleet.status_period_seconds
    Millis write_timeout{10'000};
    // The source allow-list (detect::SourcePolicy): checked before a URL is
    // written to the registry, where every instance would try to open it.
    std::function<Status(const std::string& url)> check_source;
    // What an API process without cameras of its own answers /ws probes with.
    std::function<Status(const std::string& url, Millis timeout)> probe;
    std::function<std::vector<std::string>(const std::string& detector)> classes_of;
    std::string instance_id;         // this process's, when it pulls cameras
    Millis ephemeral_grace{30'000};  // fleet.ephemeral_grace_seconds
    // Cameras the registry may hold; past it an add is kUnavailable (429).
    size_t max_cameras = 10'000;
  };
  RegistryCameras(RegistryFollower& follower, RegistryWriter& writer,
                  std::shared_ptr<store::RedisClient> redis, api::CameraControl* local,
                  Clock& clock, Options options);
  ~RegistryCameras() override;
  // Ends the grace-period thread; pending removals are left undone (the
  // cameras stay registered). Idempotent.
  void stop();

  Status add(const api::CameraRequest& request) override;
  // Writes the new URL, detector and interval over the registry record
  // (kNotFound when there is none); the owner restarts the camera with them.
  Status replace(const api::CameraRequest& request) override;
  // Adds with the registry fields the API does not carry (ephemeral, name).
  Status add_entry(RegistryCamera camera);
  // Removed from the registry at once, ephemeral or not (a grace period
  // pending for it ends).
  bool remove(const std::string& camera_id) override;
  // An ephemeral camera is removed after the grace period (a new watcher's
  // add within it keeps it); any other at once.
  bool release(const std::string& camera_id) override;
  // False for an ephemeral camera waiting out its grace period, so that the
  // next watcher adds it again (and so becomes its watcher).
  bool has(const std::string& camera_id) const override;
  std::vector<api::CameraInfo> list() const override;
  std::optional<api::CameraInfo> info(const std::string& camera_id) const override;
  Status probe(const std::string& url, Millis timeout) override;
  int add_listener(FrameListener on_frame, StateListener on_state) override;
  void remove_listener(int id) override;

  // Health: degraded, naming them (at most 10), while registry cameras have
  // no owner with a fresh status.
  api::ComponentHealth health() const;

 private:
  std::vector<api::CameraInfo> describe(const std::vector<RegistryCamera>& cameras) const;
  // What a camera must be to be written (the source allow-list included).
  Status check(const RegistryCamera& camera) const;
  Status wait_seen(const Result<RegistryWriter::Written>& written);
  bool write_removal(const std::string& camera_id);
  void reap();

  RegistryFollower& follower_;
  RegistryWriter& writer_;
  std::shared_ptr<store::RedisClient> redis_;
  api::CameraControl* local_;
  Clock& clock_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  GraceRemovals removals_;  // guarded by mu_
  bool stopping_ = false;
  std::thread reaper_;  // last: runs once the members above exist
};

}  // namespace tmon::fleet
