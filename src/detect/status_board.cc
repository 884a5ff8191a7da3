#include "detect/status_board.h"

#include "common/logging.h"

namespace tmon::detect {
namespace {

constexpr int64_t kFpsWindowMs = 60'000;
constexpr int64_t kTrackFpsWindowMs = 10'000;

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("detect");
}

// Rate of the events in `times` (ms, oldest first), or 0 with fewer than two.
double rate_of(const std::deque<int64_t>& times) {
  if (times.size() < 2) return 0;
  const double span = static_cast<double>(times.back() - times.front()) / 1000.0;
  return span > 0 ? static_cast<double>(times.size() - 1) / span : 0;
}

void remember(std::deque<int64_t>& times, int64_t now_ms, int64_t window_ms) {
  times.push_back(now_ms);
  while (times.size() > 2 && times.front() < now_ms - window_ms) times.pop_front();
}

}  // namespace

StatusBoard::StatusBoard(DetectMetrics* metrics, OnChange on_change)
    : metrics_(metrics), on_change_(std::move(on_change)) {}

void StatusBoard::add(const CameraStatus& initial) {
  std::lock_guard lock(mu_);
  Entry& entry = entries_[initial.id];
  entry.status = initial;
  entry.status.status = CameraState::kStarting;
}

void StatusBoard::remove(const std::string& camera_id) {
  std::lock_guard lock(mu_);
  entries_.erase(camera_id);
}

CameraStatus StatusBoard::snapshot(const Entry& entry) const {
  CameraStatus status = entry.status;
  status.fps = rate_of(entry.analysed_at);
  status.track_fps = rate_of(entry.tracked_at);
  return status;
}

void StatusBoard::set(const std::string& camera_id, CameraState status,
                      const std::string& message) {
  CameraStatus changed;
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(camera_id);
    if (it == entries_.end()) return;
    CameraStatus& s = it->second.status;
    if (s.status == status && s.message == message) return;
    s.status = status;
    s.message = message;
    if (status == CameraState::kError) ++s.errors;
    changed = snapshot(it->second);
  }
  if (status == CameraState::kError) {
    logger()->warn("camera={} error: {}", camera_id, message);
  } else if (status == CameraState::kOk) {
    logger()->info("camera={} streaming", camera_id);
  }
  if (metrics_) {
    metrics_->camera_up.Add({{"camera_id", camera_id}}).Set(status == CameraState::kOk ? 1 : 0);
  }
  if (on_change_) on_change_(changed);
}

void StatusBoard::due(const std::string& camera_id, int64_t due_ms) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(camera_id);
  if (it != entries_.end()) it->second.status.last_due_ts = due_ms;
}

void StatusBoard::grabbed(const std::string& camera_id) {
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(camera_id);
    if (it == entries_.end()) return;
    ++it->second.status.frames_grabbed;
  }
  if (metrics_) metrics_->frames_grabbed.Add({{"camera_id", camera_id}}).Increment();
}

void StatusBoard::dropped(const std::string& camera_id, const char* reason) {
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(camera_id);
    if (it == entries_.end()) return;
    ++it->second.status.frames_dropped;
  }
  if (metrics_) {
    metrics_->frames_dropped.Add({{"camera_id", camera_id}, {"reason", reason}}).Increment();
  }
}

void StatusBoard::tracked(const std::string& camera_id, int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(camera_id);
    if (it == entries_.end()) return;
    ++it->second.status.frames_tracked;
    remember(it->second.tracked_at, now_ms, kTrackFpsWindowMs);
  }
  if (metrics_) metrics_->frames_tracked.Add({{"camera_id", camera_id}}).Increment();
}

void StatusBoard::track_skipped(const std::string& camera_id) {
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(camera_id);
    if (it == entries_.end()) return;
    ++it->second.status.track_skipped;
  }
  if (metrics_) metrics_->track_skipped.Add({{"camera_id", camera_id}}).Increment();
}

void StatusBoard::analysed(const std::string& camera_id, int64_t capture_ms, int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(camera_id);
    if (it == entries_.end()) return;
    ++it->second.status.frames_sampled;
    it->second.status.last_frame_ts = capture_ms;
    remember(it->second.analysed_at, now_ms, kFpsWindowMs);
  }
  if (metrics_) {
    const prometheus::Labels labels{{"camera_id", camera_id}};
    metrics_->frames_sampled.Add(labels).Increment();
    metrics_->detection_total.Add(labels).Increment();
  }
}

std::optional<CameraStatus> StatusBoard::get(const std::string& camera_id) const {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(camera_id);
  if (it == entries_.end()) return std::nullopt;
  return snapshot(it->second);
}

std::vector<CameraStatus> StatusBoard::all() const {
  std::lock_guard lock(mu_);
  std::vector<CameraStatus> out;
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) out.push_back(snapshot(entry));
  return out;
}

}  // namespace tmon::detect
