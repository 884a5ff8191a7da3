#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "detect/detector_factory.h"
#include "detect/frame_analyzer.h"
#include "detect/frame_source.h"
#include "detect/metrics.h"
#include "messages/messages.h"

namespace tmon::detect {

struct CameraSpec {
  std::string id;
  std::string url;
  std::string detector;               // empty: the configured default
  double frame_interval_seconds = 0;  // 0: the configured default
  bool loop = true;
  std::string roi_mask;
};

// What GET /api/cameras shows of a camera.
struct CameraStatus {
  std::string id;
  std::string url;  // credentials redacted
  std::string detector;
  std::string status;   // starting, ok, error, ended (a file or folder that does not loop)
  std::string message;  // why, when not ok
  double frame_interval_seconds = 0;
  double fps = 0;  // frames analysed per second, recently
  int64_t last_frame_ts = 0;
  int64_t frames_grabbed = 0;
  int64_t frames_sampled = 0;
  int64_t frames_dropped = 0;
  int64_t errors = 0;
};

// Runs every camera: sources, sampling, detection, and what comes out.
//
// Live sources (RTSP, HTTP, video files) each have a grabber thread that
// keeps only the newest frame, so a slow detector never builds a backlog; a
// scheduler thread samples each camera at its frame interval and hands the
// frame to a pool of detection workers (one per core by default); a camera
// still being analysed when its next sample is due skips that sample. A
// failing source reports status "error" with the reason and reconnects with
// capped exponential backoff (1 s doubling to 30 s), never disturbing other
// cameras. Every analysed frame goes to the result sink (Kafka) and to the
// listeners (WebSocket clients). Thread-safe.
class CameraManager {
 public:
  using ResultListener = std::function<void(const messages::DetectionResult&)>;
  using StatusListener = std::function<void(const CameraStatus&)>;

  CameraManager(DetectorFactory& detectors, AnalyzerOptions analysis, DetectMetrics* metrics,
                Clock& clock, int workers);
  ~CameraManager();

  // Where every analysed frame goes (set before start()).
  void set_result_sink(ResultListener sink);
  // Listeners for results and status changes; returns an id for removal.
  int add_listener(ResultListener on_result, StatusListener on_status);
  void remove_listener(int id);

  // Adds and starts a camera. kInvalidArgument: bad id, URL or detector;
  // kRejected: the id is taken.
  Status add(const CameraSpec& spec);
  // Stops and forgets a camera; waits for a frame in analysis. Not from a
  // result listener (that frame is the one it would wait for).
  bool remove(const std::string& camera_id);
  bool has(const std::string& camera_id) const;
  std::vector<CameraStatus> list() const;
  std::optional<CameraStatus> status(const std::string& camera_id) const;

  void start();
  void stop();  // idempotent

 private:
  struct Camera;
  using CameraPtr = std::shared_ptr<Camera>;

  void schedule_loop();
  void sample(const CameraPtr& camera, int64_t due_ms);
  void grab_loop(const CameraPtr& camera);
  void set_status(Camera& camera, const std::string& status, const std::string& message);
  CameraStatus snapshot(const Camera& camera) const;
  void notify_status(const CameraStatus& status);

  DetectorFactory& detectors_;
  AnalyzerOptions analysis_;
  DetectMetrics* metrics_;
  Clock& clock_;
  boost::asio::thread_pool workers_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, CameraPtr> cameras_;
  ResultListener sink_;
  std::map<int, std::pair<ResultListener, StatusListener>> listeners_;
  int next_listener_ = 1;
  bool stopping_ = false;
  std::thread scheduler_;
};

// Opens a camera URL and reads one frame, within about `timeout`: for the
// WebSocket check_camera message. The error says what failed.
Status probe_camera(const std::string& url, Millis timeout);

}  // namespace tmon::detect
