#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "detect/camera_state.h"
#include "detect/metrics.h"

namespace tmon::detect {

// What GET /api/cameras shows of a camera.
struct CameraStatus {
  std::string id;
  std::string url;  // credentials redacted
  std::string detector;
  CameraState status = CameraState::kStarting;
  std::string message;  // why, when not ok
  double frame_interval_seconds = 0;
  double fps = 0;  // frames analysed per second, recently
  int64_t last_frame_ts = 0;
  int64_t last_due_ts = 0;  // when its latest frame was due (taken or not)
  int64_t frames_grabbed = 0;
  int64_t frames_sampled = 0;  // analysed (published)
  int64_t frames_dropped = 0;
  int64_t errors = 0;
  double track_fps = 0;        // frames tracked per second, recently
  int64_t frames_tracked = 0;  // detected and tracked, analysed ones included
  int64_t track_skipped = 0;   // tracking frames given up (the CPU could not keep up)
};

// Every camera's status and counters, in one place: the source pump, the
// workers and the scheduler report here; the API and /ws read here. A
// status change is told to `on_change` (outside the board's lock) and to
// the camera_up metric. Thread-safe.
class StatusBoard {
 public:
  using OnChange = std::function<void(const CameraStatus&)>;

  StatusBoard(DetectMetrics* metrics, OnChange on_change);

  // `initial` holds the camera's fixed fields (id, url, detector, interval).
  void add(const CameraStatus& initial);
  void remove(const std::string& camera_id);

  // Sets status and message; a change is logged, counted (errors) and told.
  void set(const std::string& camera_id, CameraState status, const std::string& message);
  // A frame was due at due_ms and is being taken.
  void due(const std::string& camera_id, int64_t due_ms);
  void grabbed(const std::string& camera_id);
  void dropped(const std::string& camera_id, const char* reason);
  void tracked(const std::string& camera_id, int64_t now_ms);
  void track_skipped(const std::string& camera_id);
  // An analysed frame, captured at capture_ms, finished at now_ms.
  void analysed(const std::string& camera_id, int64_t capture_ms, int64_t now_ms);

  std::optional<CameraStatus> get(const std::string& camera_id) const;
  std::vector<CameraStatus> all() const;

 private:
  struct Entry {
    CameraStatus status;
    std::deque<int64_t> analysed_at;  // ms, the last minute
    std::deque<int64_t> tracked_at;   // ms, the last few seconds
  };
  CameraStatus snapshot(const Entry& entry) const;

  DetectMetrics* metrics_;
  OnChange on_change_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace tmon::detect
