#pragma once

#include <memory>

#include "store/redis_client.h"
#include "store/result_store.h"

namespace tmon::store {

// ResultStore on Redis. apply() and publish_frame() are each one Lua script,
// so the check that makes them happen once and their writes and PUBLISH are
// atomic, even with many aggregators.
//
// Keys: result:{taskId} (TTL), frame:{requestId} (hash taskId -> result,
// held until the frame is published), frame:{requestId}:published (TTL),
// detection:{requestId} (TTL), camera:{id}:latest and its captureTs (TTL),
// camera:{id}:history (sorted set by captureTs, capped), alerts:{id} (the
// original's list of high-risk views, newest first, capped),
// camera:{id}:alerts and tmon:alerts (alert records, newest first, capped),
// camera:{id}:alerts:active (hash groupId -> alert).
class RedisResultStore final : public ResultStore {
 public:
  RedisResultStore(std::shared_ptr<RedisClient> client, StoreOptions options);

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
  std::string describe() const override;

 private:
  Result<std::optional<std::string>> get(const std::string& key);
  Result<std::vector<std::string>> strings(const std::vector<std::string>& command);

  std::shared_ptr<RedisClient> client_;
  StoreOptions options_;
};

}  // namespace tmon::store
