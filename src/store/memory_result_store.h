#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "common/clock.h"
#include "store/result_store.h"

namespace tmon::store {

// ResultStore in process memory, for the one-command demo when no Redis is
// reachable. Same semantics as Redis, TTLs and caps included, so memory
// stays bounded by the result rate times result_ttl_seconds; nothing
// survives a restart.
class MemoryResultStore final : public ResultStore {
 public:
  MemoryResultStore(StoreOptions options, Clock& clock);

  Result<ResultApplied> apply(const ResultWrite& write) override;
  Result<std::vector<std::string>> frame_results(const std::string& request_id) override;
  Status put_detection(const std::string& request_id, const std::string& json) override;
  Result<std::optional<std::string>> detection(const std::string& request_id) override;
  Result<std::map<std::string, std::string>> active_alerts(const std::string& camera_id) override;
  Result<bool> publish_frame(const FrameWrite& frame) override;
  Result<std::optional<std::string>> latest(const std::string& camera_id) override;
  Result<std::optional<std::string>> result(const std::string& task_id) override;
  Result<std::vector<std::string>> history(const std::string& camera_id, int64_t since_ts,
                                           int limit) override;
  Result<std::vector<std::string>> alerts(const std::string& camera_id, int limit) override;
  Result<std::vector<std::string>> high_risk_views(const std::string& camera_id,
                                                   int limit) override;
  std::string describe() const override { return "in-process memory"; }

  // The in-process stand-in for SUBSCRIBE camera:*: called, outside the
  // store's lock, with every view the store publishes. Set before use.
  void on_publish(ViewListener listener) { listener_ = std::move(listener); }

 private:
  struct Latest {
    std::string json;
    int64_t capture_ts = 0;
    SteadyTime expires;
  };
  struct HeldFrame {
    std::map<std::string, std::string> results;  // taskId -> result
    SteadyTime expires;
  };
  // Keys that expire, oldest first, so purging costs only what expired.
  using Expiry = std::multimap<SteadyTime, std::string>;

  void purge_expired(SteadyTime now);
  void push_alert(std::deque<std::string>& list, const AlertWrite& alert);
  static std::vector<std::string> newest(const std::deque<std::string>* list, int limit);

  StoreOptions options_;
  Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> results_;
  Expiry result_expiry_;
  std::unordered_map<std::string, HeldFrame> frames_;
  Expiry frame_expiry_;
  std::unordered_set<std::string> published_;
  Expiry published_expiry_;
  std::unordered_map<std::string, Latest> latest_;
  std::unordered_map<std::string, std::multimap<int64_t, std::string>> history_;
  std::unordered_map<std::string, std::string> detections_;
  Expiry detection_expiry_;
  std::unordered_map<std::string, std::deque<std::string>> high_risk_views_;  // newest first
  std::unordered_map<std::string, std::deque<std::string>> alerts_;  // "" = all; newest first
  std::unordered_map<std::string, std::map<std::string, std::string>> active_alerts_;
  ViewListener listener_;
};

}  // namespace tmon::store
