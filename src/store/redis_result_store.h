#pragma once

#include <memory>

#include "store/redis_client.h"
#include "store/result_store.h"

namespace tmon::store {

// ResultStore on Redis. apply() is one Lua script, so the taskId check, the
// writes and the PUBLISH happen atomically even with many aggregators.
class RedisResultStore final : public ResultStore {
 public:
  RedisResultStore(std::shared_ptr<RedisClient> client, StoreOptions options);

  Result<bool> apply(const ResultWrite& write) override;
  Result<std::optional<std::string>> latest(const std::string& camera_id) override;
  Result<std::optional<std::string>> result(const std::string& task_id) override;
  std::string describe() const override;

 private:
  Result<std::optional<std::string>> get(const std::string& key);

  std::shared_ptr<RedisClient> client_;
  StoreOptions options_;
};

}  // namespace tmon::store
