#include "fleet/assignment.h"

#include <algorithm>

#include "common/logging.h"
#include "common/url_redaction.h"

namespace tmon::fleet {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("fleet");
}

}  // namespace

Assignment::Assignment(CameraRunner& runner, StartedListener on_started)
    : runner_(runner), on_started_(std::move(on_started)) {}

void Assignment::start(Partition& partition, const RegistryCamera& camera) {
  if (!camera.enabled) return;
  if (auto started = runner_.start_owned(camera); !started) {
    ++start_failures_;
    logger()->warn("camera={} url={} not started: {}", camera.id.text(),
                   mask_url_credentials(camera.url), started.error().message);
    return;
  }
  partition.running[camera.id.text()] = camera;
  if (on_started_) started_.push_back(camera);
}

void Assignment::notify_started() {
  std::vector<RegistryCamera> started;
  {
    std::lock_guard lock(mu_);
    started.swap(started_);
  }
  for (const auto& camera : started) on_started_(camera);
}

void Assignment::stop(Partition& partition, const std::string& id) {
  if (partition.running.erase(id) == 0) return;
  runner_.stop_owned(id);
}

void Assignment::catch_up(Partition& partition) {
  partition.caught_up = true;
  for (const auto& [id, camera] : partition.cameras) start(partition, camera);
}

void Assignment::assign(int32_t partition, std::optional<int64_t> end_offset) {
  std::lock_guard lock(mu_);
  if (partitions_.contains(partition)) return;  // assigned already: nothing moves
  Partition& p = partitions_[partition];
  p.end_offset = end_offset;
  if (!end_offset || *end_offset <= 0) p.caught_up = true;
}

void Assignment::revoke(int32_t partition) {
  std::lock_guard lock(mu_);
  const auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  // Stopped before the revocation returns: another instance may start them
  // as soon as it is assigned this partition, never while we still pull.
  std::vector<std::string> ids;
  for (const auto& [id, camera] : it->second.running) ids.push_back(id);
  for (const auto& id : ids) stop(it->second, id);
  partitions_.erase(it);
}

void Assignment::revoke_all() {
  std::vector<int32_t> all = partitions();
  for (const int32_t partition : all) revoke(partition);
}

void Assignment::apply(int32_t partition, int64_t offset, const std::string& id,
                       std::optional<RegistryCamera> camera) {
  apply_locked(partition, offset, id, std::move(camera));
  notify_started();
}

void Assignment::apply_locked(int32_t partition, int64_t offset, const std::string& id,
                              std::optional<RegistryCamera> camera) {
  std::lock_guard lock(mu_);
  const auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  Partition& p = it->second;
  if (!p.caught_up) {
    if (camera) {
      p.cameras[id] = std::move(*camera);
    } else {
      p.cameras.erase(id);
    }
    if (p.end_offset && offset + 1 >= *p.end_offset) catch_up(p);
    return;
  }
  const auto running = p.running.find(id);
  if (!camera) {
    p.cameras.erase(id);
    stop(p, id);
    return;
  }
  if (running != p.running.end() && running->second == *camera) return;
  // Any change restarts the camera with its new value (URL, detector, ...);
  // `updatedTs` alone changes too, which is a restart an operator asked for.
  if (running != p.running.end()) stop(p, id);
  p.cameras[id] = *camera;
  start(p, *camera);
}

void Assignment::reached_end(int32_t partition) {
  {
    std::lock_guard lock(mu_);
    const auto it = partitions_.find(partition);
    if (it != partitions_.end() && !it->second.caught_up) catch_up(it->second);
  }
  notify_started();
}

std::vector<std::string> Assignment::owned() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  for (const auto& [partition, p] : partitions_) {
    for (const auto& [id, camera] : p.running) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<int32_t> Assignment::partitions() const {
  std::lock_guard lock(mu_);
  std::vector<int32_t> out;
  for (const auto& [partition, p] : partitions_) out.push_back(partition);
  return out;
}

int64_t Assignment::start_failures() const {
  std::lock_guard lock(mu_);
  return start_failures_;
}

}  // namespace tmon::fleet
