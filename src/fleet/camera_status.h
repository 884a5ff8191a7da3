#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/camera_control.h"
#include "common/clock.h"
#include "common/result.h"
#include "fleet/metrics.h"
#include "fleet/registry_camera.h"
#include "store/redis_client.h"

namespace tmon::fleet {

// A camera's status as its owner last wrote it to Redis
// (`tmon:camera-status:{id}`, a JSON string with a TTL): how every API
// process learns who pulls a camera and how it is doing.
struct CameraStatusRecord {
  std::string owner;  // detect instance id
  // Written as api::to_string(state); a word this version does not know
  // reads as kError (its message still says what the owner wrote).
  api::CameraState state = api::CameraState::kStarting;
  std::string message;
  double fps = 0;
  int64_t last_frame_ts = 0;  // epoch ms; 0: no frame yet
  int64_t frames_sampled = 0;
  int64_t updated_ts = 0;  // epoch ms of the write
  std::string detector;    // the one it runs (the owner's default when the spec names none)
};

std::string status_key(const std::string& camera_id);
std::string encode(const CameraStatusRecord& record);
std::optional<CameraStatusRecord> decode_status(std::string_view value);

// Whether a record still says something about its owner: written within
// three status periods. An older one (the owner died; the key outlives it
// so the next owner can read its last frame) means "no owner".
bool is_fresh(const CameraStatusRecord& record, int64_t now_ms, Millis period);

// The records of `ids` (absent ones left out), in batches of MGET.
Result<std::map<std::string, CameraStatusRecord>> read_statuses(
    store::RedisClient& redis, const std::vector<std::string>& ids);

// The owner's side: every `period`, writes the status of each camera it
// pulls with a TTL, and a camera's first at once with its first frame here
// (so that a camera that moved shows streaming without waiting a period:
// part of the failover time). Also measures failover: a camera that starts here
// having had another owner (its record says so) is timed from that owner's
// last frame to its first frame here (FleetMetrics::failover_seconds).
// Thread-safe.
class StatusPublisher {
 public:
  using Statuses = std::function<std::vector<api::CameraInfo>()>;
  struct Options {
    std::string instance_id;
    Millis period{2'000};
    Millis ttl{60'000};
  };
  StatusPublisher(std::shared_ptr<store::RedisClient> redis, Statuses owned, Clock& clock,
                  Options options, FleetMetrics* metrics);
  ~StatusPublisher();

  void start();
  void stop();  // idempotent

  // A camera this instance started (Assignment's listener).
  void on_started(const RegistryCamera& camera);
  // A frame of an owned camera (epoch ms): the first one after a start
  // publishes its status; the first one after a failover is timed.
  void on_frame(const std::string& camera_id, int64_t capture_ts);
  // A camera removed from the registry: its status goes too.
  void forget(const std::string& camera_id);
  // One round of writes (the thread calls it every period).
  void publish_once();
  // Cameras started here whose first frame has not come yet.
  size_t unannounced() const;
  // Failover measurements waiting for their first frame.
  size_t pending_failovers() const;

 private:
  Status write(const api::CameraInfo& info, int64_t now);
  void publish(const std::string& camera_id, int64_t frame_ts);

  std::shared_ptr<store::RedisClient> redis_;
  Statuses owned_;
  Clock& clock_;
  Options options_;
  FleetMetrics* metrics_;
  InterruptibleSleep sleep_;
  mutable std::mutex mu_;
  // camera id -> the previous owner's last frame (epoch ms).
  std::map<std::string, int64_t> failover_from_;
  std::set<std::string> unannounced_;
  std::thread thread_;
  bool started_ = false;
};

}  // namespace tmon::fleet
