#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "api/camera_control.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "fleet/assignment.h"
#include "fleet/camera_status.h"
#include "fleet/metrics.h"
#include "fleet/ownership.h"
#include "fleet/registry_cameras.h"
#include "fleet/registry_follower.h"
#include "store/redis_client.h"

namespace tmon::fleet {

struct FleetNodeOptions {
  // This process as a detect instance: it joins the group and pulls the
  // cameras of its partitions through `runner`. Otherwise it only follows
  // the registry (an API process).
  bool own_cameras = false;
  std::string instance_id;  // empty: hostname-pid
  // pipeline.yaml's cameras, written to the registry when it never saw them.
  std::vector<config::CameraConfig> seed;
  CameraRunner* runner = nullptr;             // with own_cameras
  api::CameraControl* local = nullptr;        // the cameras pulled here, if any
  std::shared_ptr<store::RedisClient> redis;  // null: no status across processes
  prometheus::Registry* registry = nullptr;
  std::function<Status(const std::string& url)> check_source;
  std::function<Status(const std::string& url, Millis timeout)> probe;
  std::function<std::vector<std::string>(const std::string& detector)> classes_of;
  Millis catch_up_timeout{15'000};
  // Cameras the API may register; 0: fleet.max_cameras.
  size_t max_cameras = 0;
};

// A process's part of the fleet, put together: it follows the registry,
// seeds it, and (a detect instance) owns its share of the cameras and
// publishes their status; control() is the API's camera control over the
// whole deployment. stop() before the cameras it runs stop. Thread-safe.
class FleetNode {
 public:
  static Result<std::unique_ptr<FleetNode>> start(const config::KafkaConfig& kafka, Clock& clock,
                                                  FleetNodeOptions options);
  ~FleetNode();
  // Leaves the group (its cameras stop and move to the others) and stops
  // publishing status. Idempotent.
  void stop();

  api::CameraControl& control() { return *control_; }
  api::ComponentHealth health() const;
  const std::string& instance_id() const { return instance_id_; }
  std::vector<std::string> owned() const;

 private:
  FleetNode() = default;

  std::string instance_id_;
  std::unique_ptr<FleetMetrics> metrics_;
  std::unique_ptr<RegistryWriter> writer_;
  std::unique_ptr<RegistryFollower> follower_;
  std::unique_ptr<StatusPublisher> status_;
  std::unique_ptr<Assignment> assignment_;
  std::unique_ptr<Ownership> ownership_;
  std::unique_ptr<RegistryCameras> control_;
  api::CameraControl* local_ = nullptr;
  int frame_listener_ = 0;
  bool stopped_ = false;
};

// "host-1234": a detect instance id unique per process by default.
std::string default_instance_id();

}  // namespace tmon::fleet
