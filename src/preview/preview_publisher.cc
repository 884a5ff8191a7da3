#include "preview/preview_publisher.h"

#include <algorithm>

#include "common/logging.h"

namespace tmon::preview {

PreviewPublisher::PreviewPublisher(PreviewStore& store, Clock& clock, PreviewMetrics& metrics,
                                   CameraList cameras, PublisherOptions options)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
      cameras_(std::move(cameras)),
      options_(std::move(options)),
      min_interval_(static_cast<int64_t>(1000.0 / std::max(options_.max_fps, 0.001))) {}

PreviewPublisher::~PreviewPublisher() {
  stop();
}

void PreviewPublisher::offer(const messages::DetectionResult& frame) {
  {
    std::lock_guard lock(mu_);
    const auto it = slots_.find(frame.cameraId);
    if (it == slots_.end() || !it->second.watched) {
      metrics_.skipped_for("unwatched").Increment();
      return;
    }
    Slot& slot = it->second;
    const SteadyTime now = clock_.now();
    if (now < slot.next_allowed) {
      metrics_.skipped_for("rate").Increment();
      return;
    }
    slot.next_allowed = now + min_interval_;
    if (!slot.waiting) ++waiting_;
    slot.waiting = frame;
  }
  wake_.notify_all();
}

void PreviewPublisher::poll() {
  const std::vector<std::string> cameras = cameras_();
  // The announcement outlives a few missed polls, not a dead process by long.
  const Millis announce_ttl = std::max(Millis(3'000), 3 * options_.poll);
  auto watched = store_.poll(cameras, options_.puller, announce_ttl);
  size_t leased = 0;
  {
    std::lock_guard lock(mu_);
    if (!watched) {
      metrics_.lease_errors.Increment();
      // Redis cannot say: keep the last answer, whose leases expire anyway
      // in the watchers' view, and publishing fails alike.
      if (!failing_) {
        get_logger("preview")->warn("preview: cannot read watch leases: {}",
                                    watched.error().message);
      }
      failing_ = true;
      return;
    }
    if (failing_) get_logger("preview")->info("preview: watch leases readable again");
    failing_ = false;
    std::map<std::string, Slot> slots;
    for (size_t i = 0; i < cameras.size(); ++i) {
      Slot& slot = slots[cameras[i]];
      if (auto old = slots_.find(cameras[i]); old != slots_.end()) slot = std::move(old->second);
      slot.watched = (*watched)[i];
      if (!slot.watched && slot.waiting) slot.waiting.reset();
      if (slot.watched) ++leased;
    }
    slots_ = std::move(slots);
    waiting_ = static_cast<size_t>(std::count_if(
        slots_.begin(), slots_.end(), [](const auto& entry) { return entry.second.waiting; }));
  }
  metrics_.leased_here.Set(static_cast<double>(leased));
}

void PreviewPublisher::flush() {
  std::vector<std::pair<std::string, messages::DetectionResult>> ready;
  {
    std::lock_guard lock(mu_);
    for (auto& [camera_id, slot] : slots_) {
      if (!slot.waiting) continue;
      ready.emplace_back(camera_id, std::move(*slot.waiting));
      slot.waiting.reset();
    }
    waiting_ = 0;
  }
  for (const auto& [camera_id, frame] : ready) publish(camera_id, frame);
}

void PreviewPublisher::publish(const std::string& camera_id,
                               const messages::DetectionResult& frame) {
  const auto preview = make_preview(frame, options_.bounds);
  if (!preview) {
    metrics_.skipped_for("too_large").Increment();
    return;
  }
  if (preview->crops_dropped) metrics_.trimmed.Add({{"part", "crops"}}).Increment();
  if (preview->frame_dropped) metrics_.trimmed.Add({{"part", "frame"}}).Increment();
  if (auto sent = store_.publish(camera_id, preview->json); !sent) {
    metrics_.skipped_for("error").Increment();
    return;
  }
  metrics_.published.Increment();
  metrics_.published_bytes.Increment(static_cast<double>(preview->json.size()));
}

void PreviewPublisher::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void PreviewPublisher::run() {
  SteadyTime next_poll = clock_.now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (waiting_ == 0 && clock_.now() < next_poll) {
      clock_.wait_until(lock, wake_, next_poll);
      continue;
    }
    lock.unlock();
    if (clock_.now() >= next_poll) {
      poll();
      next_poll = clock_.now() + options_.poll;
    }
    flush();
    lock.lock();
  }
}

void PreviewPublisher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool PreviewPublisher::failing() const {
  std::lock_guard lock(mu_);
  return failing_;
}

std::vector<std::string> PreviewPublisher::leased() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  for (const auto& [camera_id, slot] : slots_) {
    if (slot.watched) ids.push_back(camera_id);
  }
  return ids;
}

}  // namespace tmon::preview
