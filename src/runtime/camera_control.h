#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/camera_control.h"
#include "config/config.h"
#include "detect/camera_manager.h"
#include "detect/source_policy.h"
#include "fleet/assignment.h"

namespace tmon::runtime {

// The API's view of the cameras this process pulls (api::CameraControl),
// over detection's camera manager. It is also where a camera's id gets its
// type back: ids that arrived as integers (REST, /ws, `id: 3` in the config)
// are remembered here, and every frame of such a camera leaves detection
// (to Kafka, to /ws) with a numeric cameraId. It is also where the bounds
// of every way in hold: the source allow-list (detect::SourcePolicy, for
// configured, REST and /ws cameras and probes alike), detection.max_cameras
// and a frame interval within api's [kMinFrameIntervalSeconds, kMaxFrameIntervalSeconds].
// Thread-safe.
// It is also the fleet's CameraRunner: the cameras of the registry
// partitions this instance owns start and stop here.
class ManagedCameras final : public api::CameraControl, public fleet::CameraRunner {
 public:
  ManagedCameras(detect::CameraManager& cameras, config::DetectionConfig settings);
  ~ManagedCameras() override;

  // Where every analysed frame goes (the detection-results producer). Call
  // before the manager starts.
  void set_sink(FrameListener sink);
  // A camera of pipeline.yaml (which may loop and have a mask).
  Status add_configured(const config::CameraConfig& camera);

  Status start_owned(const fleet::RegistryCamera& camera) override;
  void stop_owned(const std::string& camera_id) override;

  Status add(const api::CameraRequest& request) override;
  Status replace(const api::CameraRequest& request) override;
  bool remove(const std::string& camera_id) override;
  bool has(const std::string& camera_id) const override;
  std::vector<api::CameraInfo> list() const override;
  std::optional<api::CameraInfo> info(const std::string& camera_id) const override;
  Status probe(const std::string& url, Millis timeout) override;
  int add_listener(FrameListener on_frame, StateListener on_state) override;
  void remove_listener(int id) override;

 private:
  Status check_spec(const detect::CameraSpec& spec) const;
  Status add_spec(const detect::CameraSpec& spec, bool integer_id);
  messages::CameraId typed(const std::string& camera_id) const;
  api::CameraInfo info_of(const detect::CameraStatus& status) const;
  // Calls `deliver` with the frame, its cameraId typed (copied only when the
  // id is an integer).
  void deliver(const messages::DetectionResult& frame, const FrameListener& deliver) const;

  detect::CameraManager& cameras_;
  config::DetectionConfig settings_;
  detect::SourcePolicy policy_;
  std::mutex add_mu_;  // a count and an add, together (max_cameras)
  mutable std::mutex mu_;
  std::set<std::string> integer_ids_;
  std::vector<int> listeners_;  // ours, removed on destruction
};

}  // namespace tmon::runtime
