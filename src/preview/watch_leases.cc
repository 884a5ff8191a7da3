#include "preview/watch_leases.h"

#include "common/logging.h"

namespace tmon::preview {

WatchLeases::WatchLeases(PreviewStore& store, Clock& clock, PreviewMetrics& metrics,
                         WatchLeaseOptions options)
    : store_(store), clock_(clock), metrics_(metrics), options_(std::move(options)) {}

WatchLeases::~WatchLeases() {
  stop();
}

Result<bool> WatchLeases::acquire(const std::string& camera_id) {
  {
    std::lock_guard lock(mu_);
    const auto it = watchers_.find(camera_id);
    if (it != watchers_.end()) {
      ++it->second;
      return false;
    }
    if (watchers_.size() >= options_.max_cameras) {
      return make_error(ErrorCode::kUnavailable,
                        "this API process watches " + std::to_string(options_.max_cameras) +
                            " cameras pulled elsewhere already (preview.max_watched_cameras)");
    }
    watchers_.emplace(camera_id, 1);
    to_drop_.erase(camera_id);
    fresh_ = true;
    metrics_.watched.Set(static_cast<double>(watchers_.size()));
  }
  wake_.notify_all();
  return true;
}

bool WatchLeases::release(const std::string& camera_id) {
  {
    std::lock_guard lock(mu_);
    const auto it = watchers_.find(camera_id);
    if (it == watchers_.end() || --it->second > 0) return false;
    watchers_.erase(it);
    to_drop_.insert(camera_id);
    metrics_.watched.Set(static_cast<double>(watchers_.size()));
  }
  wake_.notify_all();
  return true;
}

SteadyTime WatchLeases::next_due() const {
  std::lock_guard lock(mu_);
  return fresh_ || !to_drop_.empty() ? clock_.now() : next_refresh_;
}

void WatchLeases::tick() {
  std::set<std::string> drops;
  std::vector<std::string> holds;
  {
    std::lock_guard lock(mu_);
    drops.swap(to_drop_);
    const SteadyTime now = clock_.now();
    if (fresh_ || now >= next_refresh_) {
      for (const auto& [camera_id, count] : watchers_) holds.push_back(camera_id);
      fresh_ = false;
      next_refresh_ = now + options_.refresh;
    }
  }
  bool failed = false;
  std::string why;
  for (const auto& camera_id : drops) {
    // A drop that fails leaves a lease that expires within its TTL.
    if (auto dropped = store_.drop(camera_id, options_.holder); !dropped) {
      failed = true;
      why = dropped.error().message;
      metrics_.lease_errors.Increment();
    }
  }
  if (!holds.empty()) {
    if (auto held = store_.hold(holds, options_.holder, options_.ttl); !held) {
      failed = true;
      why = held.error().message;
      metrics_.lease_errors.Increment();
    }
  }
  std::lock_guard lock(mu_);
  if (failed && !failing_) {
    get_logger("preview")->warn(
        "watch leases: {}; remote cameras may show no frames until "
        "Redis answers (retrying every {} ms)",
        why, options_.refresh.count());
  } else if (!failed && failing_) {
    get_logger("preview")->info("watch leases: Redis answers again");
  }
  failing_ = failed;
}

void WatchLeases::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void WatchLeases::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const SteadyTime due = fresh_ || !to_drop_.empty() ? clock_.now() : next_refresh_;
    if (clock_.now() < due) {
      clock_.wait_until(lock, wake_, due);
      continue;  // woken early, or due: look again
    }
    lock.unlock();
    tick();
    lock.lock();
  }
}

void WatchLeases::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::string> held;
  {
    std::lock_guard lock(mu_);
    for (const auto& [camera_id, count] : watchers_) held.push_back(camera_id);
    held.insert(held.end(), to_drop_.begin(), to_drop_.end());
    watchers_.clear();
    to_drop_.clear();
  }
  for (const auto& camera_id : held) {
    if (!store_.drop(camera_id, options_.holder)) break;  // Redis is gone: they expire
  }
}

bool WatchLeases::failing() const {
  std::lock_guard lock(mu_);
  return failing_;
}

std::vector<std::string> WatchLeases::watched() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  for (const auto& [camera_id, count] : watchers_) ids.push_back(camera_id);
  return ids;
}

}  // namespace tmon::preview
