#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "detect/detector_factory.h"
#include "detect/frame_analyzer.h"
#include "detect/frame_source.h"
#include "detect/metrics.h"
#include "detect/sample_scheduler.h"
#include "detect/source_pump.h"
#include "detect/status_board.h"
#include "messages/messages.h"

namespace tmon::detect {

struct CameraSpec {
  CameraSpec() = default;
  CameraSpec(std::string id_, std::string url_, std::string detector_ = "",
             double frame_interval_seconds_ = 0, bool loop_ = true, std::string roi_mask_ = "",
             std::vector<config::GroundPointConfig> homography_ = {})
      : id(std::move(id_)),
        url(std::move(url_)),
        detector(std::move(detector_)),
        frame_interval_seconds(frame_interval_seconds_),
        loop(loop_),
        roi_mask(std::move(roi_mask_)),
        homography(std::move(homography_)) {}

  std::string id;
  std::string url;
  std::string detector;               // empty: the configured default
  double frame_interval_seconds = 0;  // 0: the configured default
  bool loop = true;
  std::string roi_mask;
  // Four image/ground point pairs: TTC/PET in metres. Empty: in pixels.
  std::vector<config::GroundPointConfig> homography;
};

// Runs every camera: sources, sampling, detection and tracking, and what
// comes out. Composed of three parts, each tested alone:
// - a SourcePump per camera delivers frames (a grabber thread keeping the
//   newest frame of a live source; on-demand reads otherwise), reporting
//   failures and reopening with one backoff;
// - the SampleScheduler takes each camera's frames at detection.track_fps
//   (capped by a live source's rate) and analyses one every frame interval,
//   on a pool of workers (one per core by default), one frame per camera at
//   a time; tracking gives way when the CPU cannot keep up, analysis never;
// - the StatusBoard keeps each camera's status and counters.
// Every analysed frame goes to the result sink (Kafka) and to the listeners
// (WebSocket clients). All waits run on the injected clock. Thread-safe.
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

  // Adds and starts a camera. kInvalidArgument: bad id, URL, detector or
  // homography; kRejected: the id is taken.
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

  CameraPtr find(const std::string& camera_id) const;
  void run(const std::string& camera_id, SampleKind kind, int64_t due_ms);
  void publish(Camera& camera, const messages::DetectionResult& result);
  void notify_status(const CameraStatus& status);
  void cap_track_rate(Camera& camera);

  DetectorFactory& detectors_;
  AnalyzerOptions analysis_;
  DetectMetrics* metrics_;
  Clock& clock_;
  StatusBoard board_;
  SampleScheduler scheduler_;

  mutable std::mutex mu_;
  std::map<std::string, CameraPtr> cameras_;
  ResultListener sink_;
  std::map<int, std::pair<ResultListener, StatusListener>> listeners_;
  int next_listener_ = 1;
  bool stopped_ = false;
};

// Opens a camera URL and reads one frame, within about `timeout`: for the
// WebSocket check_camera message. The error says what failed.
Status probe_camera(const std::string& url, Millis timeout);

}  // namespace tmon::detect
