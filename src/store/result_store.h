#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace tmon::store {

struct StoreOptions {
  int result_ttl_seconds = 86400;  // how long a taskId is remembered (replay window)
  int latest_ttl_seconds = 3600;   // a camera's latest view expires when it goes quiet
  int history_size = 100;          // views kept per camera
  int alerts_size = 100;           // alerts kept per camera, and across all cameras
  int frame_ttl_seconds = 600;     // results held for a frame that is never published
  int detection_ttl_seconds = 60;  // a frame's detection, kept until its view is published
  int high_risk_views_size = 100;  // views kept per camera in alerts:{id}
};

// One assessment result, stored once under its taskId and held with its
// frame (requestId) until the frame's merged view is published.
struct ResultWrite {
  std::string task_id;
  std::string camera_id;
  std::string request_id;
  std::string result_json;
};

struct ResultApplied {
  bool first_time = false;       // false: the taskId was stored before (a replay); nothing changed
  int frame_results = 0;         // results of this frame held so far
  bool frame_published = false;  // the frame's view is out already
};

// An alert to record: a new one, or the continuation of the active alert
// `replaces` (its JSON as stored), which it takes the place of.
struct AlertWrite {
  std::string group_id;
  std::string alert_json;
  std::string replaces;
};

// A frame's merged view and the alerts it raised.
struct FrameWrite {
  std::string camera_id;
  std::string request_id;
  int64_t capture_ts = 0;    // orders views: an older frame never replaces a newer latest view
  std::string view_json;     // the merged view, alerts included: latest, PUBLISH
  std::string history_json;  // the same without the group crops: the history keeps many
  bool high_risk = false;    // the view also goes onto alerts:{id}, as the original's did
  std::vector<AlertWrite> alerts;
  std::vector<std::string> ended_alert_groups;  // active alerts whose display time is over
};

// Where results live for the API: Redis in deployments, in-process memory
// when Redis is unreachable in the one-command demo.
//
// The store is the exactly-once point of the pipeline. Results arrive at
// least once (Kafka replays after a crash): apply() records a taskId the
// first time only, and publish_frame() publishes a frame once, each
// atomically, so a replay changes nothing. Implementations are thread-safe.
class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // Stores the result under its taskId and holds it with its frame (unless
  // the frame is published already). kUnavailable when the store cannot be
  // reached: retry later.
  virtual Result<ResultApplied> apply(const ResultWrite& write) = 0;
  // The results (JSON) held for a frame that is not yet published.
  virtual Result<std::vector<std::string>> frame_results(const std::string& request_id) = 0;
  // Keeps a frame's detection (its detection-results message, JSON) for
  // detection_ttl_seconds, to merge into its view when its results are in.
  virtual Status put_detection(const std::string& request_id, const std::string& json) = 0;
  virtual Result<std::optional<std::string>> detection(const std::string& request_id) = 0;

  // The camera's active alerts: groupId -> alert JSON.
  virtual Result<std::map<std::string, std::string>> active_alerts(
      const std::string& camera_id) = 0;
  // Publishes a frame once: makes the view the camera's latest unless a newer
  // frame's view is there (and then notifies channel camera:{id}), adds it to
  // the camera's history, pushes it onto the original's list of high-risk
  // views when high_risk, records the alerts, forgets the frame's held
  // results. Returns false, changing nothing, when the frame was published
  // before.
  virtual Result<bool> publish_frame(const FrameWrite& frame) = 0;

  // The camera's latest view (JSON), if any.
  virtual Result<std::optional<std::string>> latest(const std::string& camera_id) = 0;
  // The stored result of a task (JSON), if any.
  virtual Result<std::optional<std::string>> result(const std::string& task_id) = 0;
  // The camera's published views with captureTs >= since_ts, newest first,
  // at most `limit` (JSON each).
  virtual Result<std::vector<std::string>> history(const std::string& camera_id, int64_t since_ts,
                                                   int limit) = 0;
  // Recent alert records (JSON each, with cameraId, groupId and riskLevel),
  // newest first, at most `limit`; of one camera, or of all when camera_id is
  // empty.
  virtual Result<std::vector<std::string>> alerts(const std::string& camera_id, int limit) = 0;
  // The original's alerts:{id}: the camera's high-risk merged views, newest
  // first, at most `limit`.
  virtual Result<std::vector<std::string>> high_risk_views(const std::string& camera_id,
                                                           int limit) = 0;

  // "redis host:port/db" or "in-process": for logs and health.
  virtual std::string describe() const = 0;
};

using ResultStorePtr = std::shared_ptr<ResultStore>;

// Receives (camera_id, view_json) for every view published on camera:{id}.
using ViewListener = std::function<void(const std::string& camera_id, const std::string& view)>;

// Redis key names, shared by every process that reads or writes them. The
// original system's keys keep their names and meaning (COMPAT.md §3):
// camera:{id}:latest, channel camera:{id}, alerts:{id} (high-risk views),
// detection:{requestId}; tmon's own live beside them.
std::string latest_key(const std::string& camera_id);
std::string latest_capture_key(const std::string& camera_id);  // captureTs of the latest view
std::string history_key(const std::string& camera_id);
std::string high_risk_views_key(const std::string& camera_id);  // the original's alerts:{id}
std::string alerts_key(const std::string& camera_id);           // records; "" -> every camera's
std::string active_alerts_key(const std::string& camera_id);
std::string detection_key(const std::string& request_id);
std::string result_key(const std::string& task_id);
std::string frame_key(const std::string& request_id);
std::string frame_published_key(const std::string& request_id);
std::string camera_channel(const std::string& camera_id);

}  // namespace tmon::store
