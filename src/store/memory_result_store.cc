#include "store/memory_result_store.h"

#include <algorithm>

namespace tmon::store {
namespace {

template <typename Map>
void purge(Map& map, std::multimap<SteadyTime, std::string>& expiry, SteadyTime now) {
  while (!expiry.empty() && expiry.begin()->first <= now) {
    map.erase(expiry.begin()->second);
    expiry.erase(expiry.begin());
  }
}

}  // namespace

MemoryResultStore::MemoryResultStore(StoreOptions options, Clock& clock)
    : options_(options), clock_(clock) {}

void MemoryResultStore::purge_expired(SteadyTime now) {
  purge(results_, result_expiry_, now);
  purge(frames_, frame_expiry_, now);
  purge(published_, published_expiry_, now);
  purge(detections_, detection_expiry_, now);
}

Status MemoryResultStore::put_detection(const std::string& request_id, const std::string& json) {
  std::lock_guard lock(mu_);
  const SteadyTime now = clock_.now();
  purge_expired(now);
  // A replayed detection is the same frame: it keeps its first expiry.
  if (detections_.emplace(request_id, json).second) {
    detection_expiry_.emplace(now + std::chrono::seconds(options_.detection_ttl_seconds),
                              request_id);
  }
  return {};
}

Result<std::optional<std::string>> MemoryResultStore::detection(const std::string& request_id) {
  std::lock_guard lock(mu_);
  purge_expired(clock_.now());
  const auto it = detections_.find(request_id);
  if (it == detections_.end()) return std::optional<std::string>{};
  return std::optional<std::string>{it->second};
}

Result<ResultApplied> MemoryResultStore::apply(const ResultWrite& write) {
  std::lock_guard lock(mu_);
  const SteadyTime now = clock_.now();
  purge_expired(now);
  const bool published = published_.contains(write.request_id);
  const auto held = [&] {
    const auto it = frames_.find(write.request_id);
    return it == frames_.end() ? 0 : static_cast<int>(it->second.results.size());
  };
  if (results_.contains(write.task_id)) return ResultApplied{false, held(), published};
  results_[write.task_id] = write.result_json;
  result_expiry_.emplace(now + std::chrono::seconds(options_.result_ttl_seconds), write.task_id);
  if (!published) {
    auto [it, created] = frames_.try_emplace(write.request_id);
    if (created) {
      it->second.expires = now + std::chrono::seconds(options_.frame_ttl_seconds);
      frame_expiry_.emplace(it->second.expires, write.request_id);
    }
    it->second.results[write.task_id] = write.result_json;
  }
  return ResultApplied{true, held(), published};
}

Result<std::vector<std::string>> MemoryResultStore::frame_results(const std::string& request_id) {
  std::lock_guard lock(mu_);
  purge_expired(clock_.now());
  std::vector<std::string> results;
  if (const auto it = frames_.find(request_id); it != frames_.end()) {
    for (const auto& [task_id, json] : it->second.results) results.push_back(json);
  }
  return results;
}

Result<std::map<std::string, std::string>> MemoryResultStore::active_alerts(
    const std::string& camera_id) {
  std::lock_guard lock(mu_);
  const auto it = active_alerts_.find(camera_id);
  return it == active_alerts_.end() ? std::map<std::string, std::string>{} : it->second;
}

void MemoryResultStore::push_alert(std::deque<std::string>& list, const AlertWrite& alert) {
  if (!alert.replaces.empty()) {
    if (const auto old = std::find(list.begin(), list.end(), alert.replaces); old != list.end()) {
      list.erase(old);
    }
  }
  list.push_front(alert.alert_json);
  while (static_cast<int>(list.size()) > options_.alerts_size) list.pop_back();
}

Result<bool> MemoryResultStore::publish_frame(const FrameWrite& frame) {
  bool newer = false;
  {
    std::lock_guard lock(mu_);
    const SteadyTime now = clock_.now();
    purge_expired(now);
    if (!published_.insert(frame.request_id).second) return false;
    published_expiry_.emplace(now + std::chrono::seconds(options_.result_ttl_seconds),
                              frame.request_id);
    const auto latest = latest_.find(frame.camera_id);
    newer = latest == latest_.end() || latest->second.expires <= now ||
            latest->second.capture_ts <= frame.capture_ts;
    if (newer) {
      latest_[frame.camera_id] = Latest{frame.view_json, frame.capture_ts,
                                        now + std::chrono::seconds(options_.latest_ttl_seconds)};
    }
    auto& history = history_[frame.camera_id];
    history.emplace(frame.capture_ts, frame.history_json);
    while (static_cast<int>(history.size()) > options_.history_size) history.erase(history.begin());
    if (frame.high_risk) {
      auto& views = high_risk_views_[frame.camera_id];
      views.push_front(frame.view_json);
      while (static_cast<int>(views.size()) > options_.high_risk_views_size) views.pop_back();
    }
    auto& active = active_alerts_[frame.camera_id];
    for (const auto& alert : frame.alerts) {
      push_alert(alerts_[frame.camera_id], alert);
      push_alert(alerts_[""], alert);
      active[alert.group_id] = alert.alert_json;
    }
    for (const auto& group : frame.ended_alert_groups) active.erase(group);
    frames_.erase(frame.request_id);
  }
  if (newer && listener_) listener_(frame.camera_id, frame.view_json);
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
  return std::optional<std::string>{it->second};
}

Result<std::vector<std::string>> MemoryResultStore::history(const std::string& camera_id,
                                                            int64_t since_ts, int limit) {
  std::lock_guard lock(mu_);
  std::vector<std::string> views;
  const auto it = history_.find(camera_id);
  if (it == history_.end()) return views;
  for (auto view = it->second.rbegin(); view != it->second.rend() && view->first >= since_ts &&
                                        static_cast<int>(views.size()) < limit;
       ++view) {
    views.push_back(view->second);
  }
  return views;
}

std::vector<std::string> MemoryResultStore::newest(const std::deque<std::string>* list, int limit) {
  if (!list) return {};
  const auto count = std::min(list->size(), static_cast<size_t>(std::max(limit, 0)));
  return std::vector<std::string>(list->begin(),
                                  list->begin() + static_cast<std::ptrdiff_t>(count));
}

Result<std::vector<std::string>> MemoryResultStore::alerts(const std::string& camera_id,
                                                           int limit) {
  std::lock_guard lock(mu_);
  const auto it = alerts_.find(camera_id);
  return newest(it == alerts_.end() ? nullptr : &it->second, limit);
}

Result<std::vector<std::string>> MemoryResultStore::high_risk_views(const std::string& camera_id,
                                                                    int limit) {
  std::lock_guard lock(mu_);
  const auto it = high_risk_views_.find(camera_id);
  return newest(it == high_risk_views_.end() ? nullptr : &it->second, limit);
}

}  // namespace tmon::store
