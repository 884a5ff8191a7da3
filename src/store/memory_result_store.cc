#include "store/memory_result_store.h"

namespace tmon::store {

MemoryResultStore::MemoryResultStore(StoreOptions options, Clock& clock)
    : options_(options), clock_(clock) {}

void MemoryResultStore::purge_expired(SteadyTime now) {
  while (!result_expiry_.empty() && result_expiry_.begin()->first <= now) {
    results_.erase(result_expiry_.begin()->second);
    result_expiry_.erase(result_expiry_.begin());
  }
}

Result<bool> MemoryResultStore::apply(const ResultWrite& write) {
  std::lock_guard lock(mu_);
  const SteadyTime now = clock_.now();
  purge_expired(now);
  if (results_.contains(write.task_id)) return false;
  const SteadyTime result_expires = now + std::chrono::seconds(options_.result_ttl_seconds);
  results_[write.task_id] = Entry{write.result_json, write.capture_ts, result_expires};
  result_expiry_.emplace(result_expires, write.task_id);

  auto it = latest_.find(write.camera_id);
  const bool replace =
      it == latest_.end() || it->second.expires <= now || it->second.capture_ts <= write.capture_ts;
  if (replace) {
    latest_[write.camera_id] = Entry{write.view_json, write.capture_ts,
                                     now + std::chrono::seconds(options_.latest_ttl_seconds)};
  }
  return true;
}

Result<std::optional<std::string>> MemoryResultStore::latest(const std::string& camera_id) {
  std::lock_guard lock(mu_);
  const auto it = latest_.find(camera_id);
  if (it == latest_.end() || it->second.expires <= clock_.now()) {
    return std::optional<std::string>{};
  }
  return std::optional<std::string>{it->second.json};
}

Result<std::optional<std::string>> MemoryResultStore::result(const std::string& task_id) {
  std::lock_guard lock(mu_);
  purge_expired(clock_.now());
  const auto it = results_.find(task_id);
  if (it == results_.end()) return std::optional<std::string>{};
  return std::optional<std::string>{it->second.json};
}

}  // namespace tmon::store
