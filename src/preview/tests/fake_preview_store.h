#pragma once

// A PreviewStore in memory, judging lease expiry by a (manual) clock as
// Redis judges it by its own, and counting the calls made of it: a test can
// tell how often Redis would have been asked.

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "preview/preview_store.h"

namespace tmon::preview::testing {

class FakePreviewStore final : public PreviewStore {
 public:
  explicit FakePreviewStore(Clock& clock) : clock_(clock) {}

  Status hold(const std::vector<std::string>& camera_ids, const std::string& holder,
              Millis ttl) override {
    std::lock_guard lock(mu_);
    ++holds;
    if (failing) return make_error(ErrorCode::kUnavailable, "redis down");
    for (const auto& id : camera_ids) leases_[id][holder] = clock_.now() + ttl;
    last_ttl = ttl;
    return {};
  }
  Status drop(const std::string& camera_id, const std::string& holder) override {
    std::lock_guard lock(mu_);
    ++drops;
    if (failing) return make_error(ErrorCode::kUnavailable, "redis down");
    leases_[camera_id].erase(holder);
    return {};
  }
  Result<std::vector<bool>> poll(const std::vector<std::string>& camera_ids,
                                 const std::string& puller, Millis) override {
    std::lock_guard lock(mu_);
    ++polls;
    if (failing) return make_error(ErrorCode::kUnavailable, "redis down");
    std::vector<bool> watched;
    for (const auto& id : camera_ids) {
      watched.push_back(alive_locked(id));
      pulled_[id] = puller;
    }
    return watched;
  }
  Result<bool> pulled(const std::string& camera_id) override {
    std::lock_guard lock(mu_);
    return pulled_.contains(camera_id);
  }
  Result<int64_t> publish(const std::string& camera_id, const std::string& message) override {
    std::lock_guard lock(mu_);
    if (failing) return make_error(ErrorCode::kUnavailable, "redis down");
    published.emplace_back(camera_id, message);
    return 1;
  }

  // Whether any lease on the camera is alive now.
  bool leased(const std::string& camera_id) {
    std::lock_guard lock(mu_);
    return alive_locked(camera_id);
  }
  std::vector<std::pair<std::string, std::string>> sent() {
    std::lock_guard lock(mu_);
    return published;
  }
  int poll_count() {
    std::lock_guard lock(mu_);
    return polls;
  }
  int hold_count() {
    std::lock_guard lock(mu_);
    return holds;
  }
  int drop_count() {
    std::lock_guard lock(mu_);
    return drops;
  }
  void set_failing(bool value) {
    std::lock_guard lock(mu_);
    failing = value;
  }

 private:
  bool alive_locked(const std::string& camera_id) const {
    const auto it = leases_.find(camera_id);
    if (it == leases_.end()) return false;
    for (const auto& [holder, expiry] : it->second) {
      if (clock_.now() < expiry) return true;
    }
    return false;
  }

  Clock& clock_;
  std::mutex mu_;
  std::map<std::string, std::map<std::string, SteadyTime>> leases_;
  std::map<std::string, std::string> pulled_;
  std::vector<std::pair<std::string, std::string>> published;
  int polls = 0;
  int holds = 0;
  int drops = 0;
  bool failing = false;
  Millis last_ttl{0};
};

}  // namespace tmon::preview::testing
