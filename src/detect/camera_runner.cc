#include "detect/camera_runner.h"

#include <algorithm>

#include "common/logging.h"
#include "messages/codec.h"

namespace tmon::detect {

CameraRunner::CameraRunner(bus::Producer& producer, std::string topic, Clock& clock,
                           FrameBuilderOptions options)
    : producer_(producer), topic_(std::move(topic)), clock_(clock), options_(options) {}

Result<std::unique_ptr<CameraRunner>> CameraRunner::create(const config::PipelineConfig& pipeline,
                                                           bus::Producer& producer,
                                                           std::string topic, Clock& clock) {
  const auto& detection = pipeline.detection;
  FrameBuilderOptions options{detection.jpeg_quality, detection.min_group_size,
                              detection.group_distance_factor};
  std::unique_ptr<CameraRunner> runner(
      new CameraRunner(producer, std::move(topic), clock, options));
  const auto logger = get_logger("detect");
  for (const auto& camera : pipeline.cameras) {
    if (!camera.enabled) continue;
    if (camera.url.rfind("sim://", 0) != 0) {
      logger->error("camera={}: source {} is not supported yet (only sim://); camera skipped",
                    camera.id, camera.url.substr(0, camera.url.find("://") + 3));
      continue;
    }
    auto sim = SimOptions::parse(camera.url);
    if (!sim) {
      return make_error(ErrorCode::kInvalidArgument,
                        "camera " + camera.id + ": " + sim.error().message);
    }
    Camera entry;
    entry.id = camera.id;
    entry.interval_seconds = camera.frame_interval_seconds > 0 ? camera.frame_interval_seconds
                                                               : detection.frame_interval_seconds;
    entry.source = std::make_unique<SimCamera>(*sim);
    runner->cameras_.push_back(std::move(entry));
  }
  return runner;
}

CameraRunner::~CameraRunner() {
  stop();
}

std::vector<std::string> CameraRunner::camera_ids() const {
  std::vector<std::string> ids;
  for (const auto& camera : cameras_) ids.push_back(camera.id);
  return ids;
}

void CameraRunner::start() {
  const SteadyTime now = clock_.now();
  for (size_t i = 0; i < cameras_.size(); ++i) {
    const double offset = cameras_[i].interval_seconds * static_cast<double>(i) /
                          static_cast<double>(cameras_.size());
    cameras_[i].next_due = now + std::chrono::duration_cast<SteadyTime::duration>(
                                     std::chrono::duration<double>(offset));
  }
  thread_ = std::thread([this] { run(); });
  get_logger("detect")->info("sampling {} cameras", cameras_.size());
}

void CameraRunner::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void CameraRunner::run() {
  while (!stopping_) {
    const SteadyTime now = clock_.now();
    SteadyTime next = now + std::chrono::milliseconds(100);
    for (auto& camera : cameras_) {
      if (camera.next_due <= now) {
        capture(camera);
        const auto interval = std::chrono::duration_cast<SteadyTime::duration>(
            std::chrono::duration<double>(camera.interval_seconds));
        // A slow capture skips frames rather than queueing them: keep only the newest.
        camera.next_due = std::max(camera.next_due + interval, now);
      }
      next = std::min(next, camera.next_due);
    }
    std::this_thread::sleep_until(std::chrono::steady_clock::now() + (next - clock_.now()));
  }
}

void CameraRunner::capture(Camera& camera) {
  const int64_t capture_ts = clock_.epoch_ms();
  const CameraFrame frame = camera.source->next_frame(camera.interval_seconds);
  const auto message =
      build_detection_result(camera.id, ++camera.frame_number, capture_ts, clock_.epoch_ms(),
                             frame.image, frame.detections, options_);
  auto sent = producer_.send(topic_, camera.id, messages::encode(message),
                             [id = camera.id](Result<bus::DeliveredOffset> delivered) {
                               if (!delivered) {
                                 get_logger("detect")->warn("camera={} frame not delivered: {}", id,
                                                            delivered.error().message);
                               }
                             });
  if (sent) {
    ++frames_published_;
  } else {
    get_logger("detect")->warn("camera={} frame dropped: {}", camera.id, sent.error().message);
  }
}

}  // namespace tmon::detect
