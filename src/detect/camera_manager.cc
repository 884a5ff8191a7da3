#include "detect/camera_manager.h"

#include <atomic>
#include <condition_variable>
#include <opencv2/core/utility.hpp>
#include <thread>

#include "common/logging.h"
#include "metrics/exposition.h"

namespace tmon::detect {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("detect");
}

std::chrono::nanoseconds seconds(double value) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(value));
}

int worker_count(int workers) {
  return workers > 0 ? workers
                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

struct CameraManager::Camera {
  CameraSpec spec;
  std::string detector_name;
  std::unique_ptr<SourcePump> pump;
  std::unique_ptr<FrameAnalyzer> analyzer;  // used by one worker at a time
  double track_period = 0;                  // seconds; 0: analysed frames only
  bool rate_capped = false;                 // live: the source's rate was checked
};

CameraManager::CameraManager(DetectorFactory& detectors, AnalyzerOptions analysis,
                             DetectMetrics* metrics, Clock& clock, int workers)
    : detectors_(detectors),
      analysis_(std::move(analysis)),
      metrics_(metrics),
      clock_(clock),
      board_(metrics, [this](const CameraStatus& status) { notify_status(status); }),
      scheduler_(
          clock, worker_count(workers), detectors.settings().tracking_nice,
          [this](const std::string& id, SampleKind kind, int64_t due_ms) { run(id, kind, due_ms); },
          [this](const std::string& id, SampleKind kind) {
            if (kind == SampleKind::kTrack) {
              board_.track_skipped(id);
            } else {
              board_.dropped(id, "busy");  // only when analysis itself cannot keep up
            }
          }) {}

CameraManager::~CameraManager() {
  stop();
}

void CameraManager::set_result_sink(ResultListener sink) {
  std::lock_guard lock(mu_);
  sink_ = std::move(sink);
}

int CameraManager::add_listener(ResultListener on_result, StatusListener on_status) {
  std::lock_guard lock(mu_);
  listeners_[next_listener_] = {std::move(on_result), std::move(on_status)};
  return next_listener_++;
}

void CameraManager::remove_listener(int id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
}

Status CameraManager::add(const CameraSpec& spec) {
  if (spec.id.empty() || spec.id.size() > 128 ||
      spec.id.find_first_of("/?#{} \t\r\n") != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cameraId must be 1..128 characters without spaces or / ? # { }");
  }
  if (spec.frame_interval_seconds < 0) {
    return make_error(ErrorCode::kInvalidArgument, "frameInterval must be positive");
  }
  AnalyzerOptions analysis = analysis_;
  if (!spec.homography.empty()) {
    std::vector<PointPair> pairs;
    for (const auto& p : spec.homography) {
      pairs.push_back({{p.image.x, p.image.y}, {p.ground.x, p.ground.y}});
    }
    auto plane = GroundPlane::from_pairs(pairs);
    if (!plane) {
      return make_error(ErrorCode::kInvalidArgument, "homography: " + plane.error().message);
    }
    analysis.ground = *plane;
  }
  auto source = make_source(spec.url, {spec.loop, &clock_});
  if (!source) return tl::unexpected(source.error());
  auto detector = detectors_.make(spec.detector, spec.roi_mask);
  if (!detector) return tl::unexpected(detector.error());

  auto camera = std::make_shared<Camera>();
  camera->spec = spec;
  if (camera->spec.frame_interval_seconds <= 0) {
    camera->spec.frame_interval_seconds = detectors_.settings().frame_interval_seconds;
  }
  const double track_fps = detectors_.settings().track_fps;
  // Tracking slower than the analysis adds nothing: then only analysed frames.
  if (track_fps > 0 && 1.0 / track_fps < camera->spec.frame_interval_seconds) {
    camera->track_period = 1.0 / track_fps;
  }
  camera->detector_name = (*detector)->name();
  camera->analyzer = std::make_unique<FrameAnalyzer>(spec.id, std::move(*detector), analysis);
  camera->pump = std::make_unique<SourcePump>(spec.id, std::move(*source), board_, clock_);
  size_t position = 0;
  {
    std::lock_guard lock(mu_);
    if (cameras_.contains(spec.id)) {
      return make_error(ErrorCode::kRejected, "camera " + spec.id + " already exists");
    }
    position = cameras_.size();
    cameras_[spec.id] = camera;
  }
  CameraStatus initial;
  initial.id = spec.id;
  initial.url = redact_credentials(spec.url);
  initial.detector = camera->detector_name;
  initial.frame_interval_seconds = camera->spec.frame_interval_seconds;
  board_.add(initial);
  camera->pump->start();
  // Stagger first frames so cameras added together do not fire together:
  // 13 phases, 137 ms apart, or closer with a short interval (within its
  // first half), so a camera that moved to this instance streams soon
  // (its first frame is part of the fleet's failover time).
  const auto step =
      std::min<int64_t>(137, static_cast<int64_t>(camera->spec.frame_interval_seconds * 1000 / 26));
  scheduler_.add(spec.id, seconds(camera->track_period),
                 seconds(camera->spec.frame_interval_seconds),
                 Millis(step * static_cast<int64_t>(position % 13)));
  logger()->info("camera={} added: {} ({}, every {} s, tracking at {} fps)", spec.id,
                 camera->pump->describe(), camera->detector_name,
                 camera->spec.frame_interval_seconds,
                 camera->track_period > 0 ? 1.0 / camera->track_period : 0.0);
  return {};
}

bool CameraManager::remove(const std::string& camera_id) {
  CameraPtr camera;
  {
    std::lock_guard lock(mu_);
    const auto it = cameras_.find(camera_id);
    if (it == cameras_.end()) return false;
    camera = it->second;
    cameras_.erase(it);
  }
  // Waits for a frame in work: nothing of this camera is emitted (or
  // counted) after remove() returns.
  scheduler_.remove(camera_id);
  camera->pump->stop();
  board_.remove(camera_id);
  if (metrics_) metrics_->forget(camera_id);
  logger()->info("camera={} removed", camera_id);
  return true;
}

bool CameraManager::has(const std::string& camera_id) const {
  std::lock_guard lock(mu_);
  return cameras_.contains(camera_id);
}

CameraManager::CameraPtr CameraManager::find(const std::string& camera_id) const {
  std::lock_guard lock(mu_);
  const auto it = cameras_.find(camera_id);
  return it == cameras_.end() ? nullptr : it->second;
}

std::vector<CameraStatus> CameraManager::list() const {
  return board_.all();
}

std::optional<CameraStatus> CameraManager::status(const std::string& camera_id) const {
  return board_.get(camera_id);
}

void CameraManager::notify_status(const CameraStatus& status) {
  std::vector<StatusListener> targets;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, listener] : listeners_) {
      if (listener.second) targets.push_back(listener.second);
    }
  }
  for (const auto& target : targets) target(status);
}

void CameraManager::start() {
  // OpenCV's own worker threads (TBB) are made by the first thread that asks
  // for parallel work and inherit its priority: have them made here, at the
  // process's priority, before a tracking thread (at a lower one) could, or
  // analysed frames would wait for parts of their work run at that priority.
  cv::parallel_for_(cv::Range(0, 64), [](const cv::Range&) {});
  scheduler_.start();
}

void CameraManager::stop() {
  std::vector<CameraPtr> cameras;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    for (const auto& [id, camera] : cameras_) cameras.push_back(camera);
  }
  scheduler_.stop();
  for (const auto& camera : cameras) camera->pump->stop();
}

void CameraManager::cap_track_rate(Camera& camera) {
  // A live camera cannot be tracked faster than it sends frames.
  if (camera.rate_capped || camera.track_period <= 0 || !camera.pump->live()) return;
  const auto fps = camera.pump->source_fps();
  if (!fps || *fps <= 0) return;
  camera.rate_capped = true;
  if (1.0 / *fps <= camera.track_period) return;
  camera.track_period = 1.0 / *fps;
  scheduler_.set_track_period(camera.spec.id, seconds(camera.track_period));
  logger()->info("camera={} tracking at the source's {:.1f} fps", camera.spec.id, *fps);
}

void CameraManager::run(const std::string& camera_id, SampleKind kind, int64_t due_ms) {
  const CameraPtr camera = find(camera_id);
  if (!camera) return;
  board_.due(camera_id, due_ms);
  SourcePump::Sample sample = camera->pump->sample();
  switch (sample.outcome) {
    case SourcePump::Outcome::kFrame:
      break;
    case SourcePump::Outcome::kStale:
      board_.dropped(camera_id, "stale");
      return;
    case SourcePump::Outcome::kFailed:
      board_.dropped(camera_id, "error");
      return;
    case SourcePump::Outcome::kWaiting:
    case SourcePump::Outcome::kEnded:
      return;
  }
  cap_track_rate(*camera);
  // An on-demand frame counts as captured when it was due, so time spent
  // waiting for a free worker shows up as detection latency.
  const int64_t capture_ts = camera->pump->live() ? sample.captured_ms : due_ms;
  messages::DetectionResult result;
  try {
    if (kind == SampleKind::kTrack) {
      camera->analyzer->track(sample.frame, capture_ts);
    } else {
      result = camera->analyzer->analyze(sample.frame, capture_ts, clock_);
    }
  } catch (const std::exception& e) {
    // One bad frame (an OpenCV assertion on odd input) must not stop the camera.
    board_.set(camera_id, CameraState::kError, std::string("analysis failed: ") + e.what());
    return;
  }
  const int64_t now_ms = clock_.epoch_ms();
  board_.tracked(camera_id, now_ms);
  board_.set(camera_id, CameraState::kOk, "");
  if (kind == SampleKind::kAnalyze) {
    board_.analysed(camera_id, capture_ts, now_ms);
    publish(*camera, result);
  }
}

void CameraManager::publish(Camera& camera, const messages::DetectionResult& result) {
  const std::string& id = camera.spec.id;
  if (metrics_) {
    metrics_->detection_latency.Add({{"camera_id", id}}, tmon::metrics::latency_buckets())
        .Observe(static_cast<double>(result.detectedTs - result.captureTs) / 1000.0);
    for (const auto& object : result.detectedObjects) {
      metrics_->objects_detected.Add({{"camera_id", id}, {"class", object.className}}).Increment();
    }
  }
  ResultListener sink;
  std::vector<ResultListener> listeners;
  {
    std::lock_guard lock(mu_);
    sink = sink_;
    for (const auto& [lid, listener] : listeners_) {
      if (listener.first) listeners.push_back(listener.first);
    }
  }
  if (sink) sink(result);
  for (const auto& listener : listeners) listener(result);
}

Status probe_camera(const std::string& url, Millis timeout) {
  // Probes in flight, each on a thread of its own that may outlive its
  // caller by OpenCV's own open and read timeouts: bounded, so a flood of
  // probes cannot pile up threads.
  static std::atomic<int> in_flight{0};
  constexpr int kMaxProbes = 4;
  if (in_flight.fetch_add(1) >= kMaxProbes) {
    --in_flight;
    return make_error(ErrorCode::kUnavailable, "too many probes at once; try again");
  }
  auto source = make_source(url);
  if (!source) {
    --in_flight;
    return tl::unexpected(source.error());
  }
  // Not std::async: its future would wait for the probe in its destructor,
  // and the timeout would bound nothing. The thread owns what it uses; the
  // caller waits at most `timeout` for its answer.
  struct Outcome {
    std::mutex mu;
    std::condition_variable done;
    std::optional<Status> status;
  };
  auto outcome = std::make_shared<Outcome>();
  std::thread([outcome, source = std::move(*source)]() mutable {
    Status status;
    if (auto opened = source->open(); !opened) {
      status = opened;
    } else if (auto frame = source->read(0.1); !frame) {
      status = tl::unexpected(frame.error());
    }
    source.reset();
    {
      std::lock_guard lock(outcome->mu);
      outcome->status = std::move(status);
    }
    outcome->done.notify_all();
    --in_flight;
  }).detach();
  std::unique_lock lock(outcome->mu);
  // A real-time wait: OpenCV's timeouts are real time too.
  if (!outcome->done.wait_for(lock, timeout, [&] { return outcome->status.has_value(); })) {
    return make_error(ErrorCode::kTimeout, "no frame within " + std::to_string(timeout.count()) +
                                               " ms from " + redact_credentials(url));
  }
  return *outcome->status;
}

}  // namespace tmon::detect
