#include "detect/camera_manager.h"

#include <boost/asio/post.hpp>
#include <deque>
#include <future>

#include "common/logging.h"
#include "metrics/exposition.h"

namespace tmon::detect {
namespace {

constexpr Millis kFirstBackoff{1'000};
constexpr Millis kMaxBackoff{30'000};

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("detect");
}

}  // namespace

struct CameraManager::Camera {
  CameraSpec spec;
  std::string detector_name;
  FrameSourcePtr source;  // on-demand sources: used by the worker; live: by the grabber
  std::unique_ptr<FrameAnalyzer> analyzer;

  // The grabber's newest frame (live sources).
  std::mutex frame_mu;
  cv::Mat newest;
  int64_t newest_ts = 0;
  int64_t newest_sequence = 0;
  int64_t sampled_sequence = 0;
  std::thread grabber;
  std::atomic<bool> stop{false};

  // Scheduling, guarded by the manager's mutex.
  SteadyTime next_due{};
  bool busy = false;
  SteadyTime retry_at{};     // on-demand source reopening after an error
  bool source_open = false;  // on-demand sources
  bool finished = false;     // the source has no more frames (status "ended")
  Millis backoff = kFirstBackoff;
  double last_sample_seconds = -1;  // for sim time, on the manager's clock

  // Status, guarded by status_mu.
  mutable std::mutex status_mu;
  std::string status = "starting";
  std::string message;
  int64_t last_frame_ts = 0;
  std::deque<int64_t> recent_samples;  // analysis times (ms), for fps
  std::atomic<int64_t> grabbed{0};
  std::atomic<int64_t> sampled{0};
  std::atomic<int64_t> dropped{0};
  std::atomic<int64_t> errors{0};
};

CameraManager::CameraManager(DetectorFactory& detectors, AnalyzerOptions analysis,
                             DetectMetrics* metrics, Clock& clock, int workers)
    : detectors_(detectors),
      analysis_(analysis),
      metrics_(metrics),
      clock_(clock),
      workers_(static_cast<size_t>(
          workers > 0 ? workers : std::max(1u, std::thread::hardware_concurrency()))) {}

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
  auto source = make_source(spec.url, {spec.loop});
  if (!source) return tl::unexpected(source.error());
  auto detector = detectors_.make(spec.detector, spec.roi_mask);
  if (!detector) return tl::unexpected(detector.error());

  auto camera = std::make_shared<Camera>();
  camera->spec = spec;
  if (camera->spec.frame_interval_seconds <= 0) {
    camera->spec.frame_interval_seconds = detectors_.settings().frame_interval_seconds;
  }
  camera->detector_name = (*detector)->name();
  camera->source = std::move(*source);
  camera->analyzer = std::make_unique<FrameAnalyzer>(spec.id, std::move(*detector), analysis_);
  {
    std::lock_guard lock(mu_);
    if (cameras_.contains(spec.id)) {
      return make_error(ErrorCode::kRejected, "camera " + spec.id + " already exists");
    }
    // Stagger first samples so cameras added together do not fire together.
    camera->next_due = clock_.now() + Millis(static_cast<int64_t>(137 * (cameras_.size() % 13)));
    cameras_[spec.id] = camera;
  }
  if (camera->source->live()) {
    camera->grabber = std::thread([this, camera] { grab_loop(camera); });
  }
  logger()->info("camera={} added: {} ({}, every {} s)", spec.id, camera->source->describe(),
                 camera->detector_name, camera->spec.frame_interval_seconds);
  wake_.notify_all();
  return {};
}

bool CameraManager::remove(const std::string& camera_id) {
  CameraPtr camera;
  {
    std::unique_lock lock(mu_);
    const auto it = cameras_.find(camera_id);
    if (it == cameras_.end()) return false;
    camera = it->second;
    cameras_.erase(it);
    // Let a frame in analysis finish, so nothing of this camera is emitted
    // (or counted) after remove() returns.
    wake_.wait(lock, [&] { return !camera->busy; });
  }
  camera->stop = true;
  if (camera->grabber.joinable()) camera->grabber.join();
  if (metrics_) metrics_->forget(camera_id);
  logger()->info("camera={} removed", camera_id);
  return true;
}

bool CameraManager::has(const std::string& camera_id) const {
  std::lock_guard lock(mu_);
  return cameras_.contains(camera_id);
}

CameraStatus CameraManager::snapshot(const Camera& camera) const {
  CameraStatus s;
  s.id = camera.spec.id;
  s.url = redact_credentials(camera.spec.url);
  s.detector = camera.detector_name;
  s.frame_interval_seconds = camera.spec.frame_interval_seconds;
  s.frames_grabbed = camera.grabbed;
  s.frames_sampled = camera.sampled;
  s.frames_dropped = camera.dropped;
  s.errors = camera.errors;
  std::lock_guard lock(camera.status_mu);
  s.status = camera.status;
  s.message = camera.message;
  s.last_frame_ts = camera.last_frame_ts;
  if (camera.recent_samples.size() >= 2) {
    const double span =
        static_cast<double>(camera.recent_samples.back() - camera.recent_samples.front()) / 1000.0;
    s.fps = span > 0 ? static_cast<double>(camera.recent_samples.size() - 1) / span : 0;
  }
  return s;
}

std::vector<CameraStatus> CameraManager::list() const {
  std::vector<CameraPtr> cameras;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, camera] : cameras_) cameras.push_back(camera);
  }
  std::vector<CameraStatus> out;
  for (const auto& camera : cameras) out.push_back(snapshot(*camera));
  return out;
}

std::optional<CameraStatus> CameraManager::status(const std::string& camera_id) const {
  CameraPtr camera;
  {
    std::lock_guard lock(mu_);
    const auto it = cameras_.find(camera_id);
    if (it == cameras_.end()) return std::nullopt;
    camera = it->second;
  }
  return snapshot(*camera);
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

void CameraManager::set_status(Camera& camera, const std::string& status,
                               const std::string& message) {
  {
    std::lock_guard lock(camera.status_mu);
    if (camera.status == status && camera.message == message) return;
    camera.status = status;
    camera.message = message;
  }
  if (status == "error") {
    ++camera.errors;
    logger()->warn("camera={} error: {}", camera.spec.id, message);
  } else if (status == "ok") {
    logger()->info("camera={} streaming", camera.spec.id);
  }
  if (metrics_) {
    metrics_->camera_up.Add({{"camera_id", camera.spec.id}}).Set(status == "ok" ? 1 : 0);
  }
  notify_status(snapshot(camera));
}

void CameraManager::start() {
  std::lock_guard lock(mu_);
  if (scheduler_.joinable()) return;
  scheduler_ = std::thread([this] { schedule_loop(); });
}

void CameraManager::stop() {
  std::vector<CameraPtr> cameras;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (const auto& [id, camera] : cameras_) cameras.push_back(camera);
  }
  wake_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (const auto& camera : cameras) camera->stop = true;
  for (const auto& camera : cameras) {
    if (camera->grabber.joinable()) camera->grabber.join();
  }
  workers_.join();
}

void CameraManager::schedule_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const SteadyTime now = clock_.now();
    SteadyTime next = now + Millis(500);
    for (auto& [id, camera] : cameras_) {
      if (camera->next_due <= now) {
        const auto interval = std::chrono::duration_cast<SteadyTime::duration>(
            std::chrono::duration<double>(camera->spec.frame_interval_seconds));
        // Keep the cadence, but never catch up with a burst after a stall.
        camera->next_due = std::max(camera->next_due + interval, now);
        if (camera->busy) {
          ++camera->dropped;
          if (metrics_) {
            metrics_->frames_dropped.Add({{"camera_id", id}, {"reason", "busy"}}).Increment();
          }
        } else {
          camera->busy = true;
          // An on-demand frame counts as captured when it was due, so time
          // spent waiting for a free worker shows up as detection latency.
          boost::asio::post(workers_, [this, camera = camera, due_ms = clock_.epoch_ms()] {
            sample(camera, due_ms);
          });
        }
      }
      next = std::min(next, camera->next_due);
    }
    wake_.wait_until(lock, std::chrono::steady_clock::now() + (next - clock_.now()));
  }
}

void CameraManager::sample(const CameraPtr& camera, int64_t due_ms) {
  const auto done = [&] {
    {
      std::lock_guard lock(mu_);
      camera->busy = false;
    }
    wake_.notify_all();
  };
  const std::string& id = camera->spec.id;
  cv::Mat frame;
  int64_t capture_ts = due_ms;
  if (camera->source->live()) {
    std::lock_guard lock(camera->frame_mu);
    if (camera->newest_sequence == camera->sampled_sequence) {
      // Nothing new since the last sample (stalled or slow camera).
      ++camera->dropped;
      if (metrics_)
        metrics_->frames_dropped.Add({{"camera_id", id}, {"reason", "stale"}}).Increment();
      done();
      return;
    }
    frame = camera->newest;  // the grabber replaces, never writes into, this Mat
    capture_ts = camera->newest_ts;
    camera->sampled_sequence = camera->newest_sequence;
  } else {
    const SteadyTime now = clock_.now();
    if (now < camera->retry_at) {
      done();
      return;
    }
    if (camera->finished) {
      done();
      return;
    }
    if (!camera->source_open) {
      // Open (or reopen) with backoff: a folder still empty, a file being replaced.
      if (auto opened = camera->source->open(); !opened) {
        set_status(*camera, "error",
                   opened.error().message + "; retrying in " +
                       std::to_string(camera->backoff.count() / 1000) + " s");
        camera->retry_at = now + camera->backoff;
        camera->backoff = std::min(camera->backoff * 2, kMaxBackoff);
        done();
        return;
      }
      camera->source_open = true;
    }
    const double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
    const double elapsed = camera->last_sample_seconds < 0 ? camera->spec.frame_interval_seconds
                                                           : now_s - camera->last_sample_seconds;
    camera->last_sample_seconds = now_s;
    auto read = camera->source->read(elapsed);
    if (!read) {
      if (read.error().code == ErrorCode::kNotFound) {
        camera->finished = true;
        set_status(*camera, "ended", read.error().message);
      } else {
        camera->source_open = false;
        set_status(*camera, "error", read.error().message);
        ++camera->dropped;
        if (metrics_) {
          metrics_->frames_dropped.Add({{"camera_id", id}, {"reason", "error"}}).Increment();
        }
      }
      done();
      return;
    }
    camera->backoff = kFirstBackoff;
    frame = std::move(*read);
    ++camera->grabbed;
    if (metrics_) metrics_->frames_grabbed.Add({{"camera_id", id}}).Increment();
  }

  messages::DetectionResult result;
  try {
    result = camera->analyzer->analyze(frame, capture_ts, clock_);
  } catch (const std::exception& e) {
    // One bad frame (an OpenCV assertion on odd input) must not stop the camera.
    set_status(*camera, "error", std::string("analysis failed: ") + e.what());
    done();
    return;
  }
  ++camera->sampled;
  const int64_t now_ms = clock_.epoch_ms();
  {
    std::lock_guard lock(camera->status_mu);
    camera->last_frame_ts = capture_ts;
    camera->recent_samples.push_back(now_ms);
    while (camera->recent_samples.size() > 2 && camera->recent_samples.front() < now_ms - 60'000) {
      camera->recent_samples.pop_front();
    }
  }
  set_status(*camera, "ok", "");
  if (metrics_) {
    const prometheus::Labels labels{{"camera_id", id}};
    metrics_->frames_sampled.Add(labels).Increment();
    metrics_->detection_total.Add(labels).Increment();
    metrics_->detection_latency.Add(labels, tmon::metrics::latency_buckets())
        .Observe(static_cast<double>(now_ms - capture_ts) / 1000.0);
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
  done();
}

void CameraManager::grab_loop(const CameraPtr& camera) {
  const std::string& id = camera->spec.id;
  Millis backoff = kFirstBackoff;
  bool open = false;
  const auto sleep_interruptibly = [&](Millis duration) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!camera->stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(Millis(50));
    }
  };
  while (!camera->stop) {
    if (!open) {
      if (auto opened = camera->source->open(); !opened) {
        set_status(*camera, "error",
                   opened.error().message + "; retrying in " +
                       std::to_string(backoff.count() / 1000) + " s");
        sleep_interruptibly(backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      open = true;
    }
    auto frame = camera->source->read(0);
    if (!frame && frame.error().code == ErrorCode::kNotFound) {
      set_status(*camera, "ended", frame.error().message);
      return;  // a video file that does not loop: nothing more will come
    }
    if (!frame) {
      set_status(*camera, "error", frame.error().message + "; reconnecting");
      open = false;
      sleep_interruptibly(backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = kFirstBackoff;
    ++camera->grabbed;
    if (metrics_) metrics_->frames_grabbed.Add({{"camera_id", id}}).Increment();
    std::lock_guard lock(camera->frame_mu);
    camera->newest = std::move(*frame);
    camera->newest_ts = clock_.epoch_ms();
    ++camera->newest_sequence;
  }
}

Status probe_camera(const std::string& url, Millis timeout) {
  auto source = make_source(url);
  if (!source) return tl::unexpected(source.error());
  // OpenCV's own timeouts bound open and read; the future bounds the rest.
  auto probe = std::async(std::launch::async, [source = std::move(*source)]() mutable -> Status {
    if (auto opened = source->open(); !opened) return opened;
    auto frame = source->read(0.1);
    if (!frame) return tl::unexpected(frame.error());
    return {};
  });
  if (probe.wait_for(timeout) != std::future_status::ready) {
    return make_error(ErrorCode::kTimeout, "no frame within " + std::to_string(timeout.count()) +
                                               " ms from " + redact_credentials(url));
  }
  return probe.get();
}

}  // namespace tmon::detect
