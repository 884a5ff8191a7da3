#pragma once

#include <map>
#include <mutex>
#include <unordered_map>

#include "common/clock.h"
#include "store/result_store.h"

namespace tmon::store {

// ResultStore in process memory, for the one-command demo when no Redis is
// reachable. Same semantics as Redis, TTLs included, so memory stays bounded
// by the result rate times result_ttl_seconds; nothing survives a restart.
class MemoryResultStore final : public ResultStore {
 public:
  MemoryResultStore(StoreOptions options, Clock& clock);

  Result<bool> apply(const ResultWrite& write) override;
  Result<std::optional<std::string>> latest(const std::string& camera_id) override;
  Result<std::optional<std::string>> result(const std::string& task_id) override;
  std::string describe() const override { return "in-process memory"; }

 private:
  struct Entry {
    std::string json;
    int64_t capture_ts = 0;
    SteadyTime expires;
  };
  void purge_expired(SteadyTime now);

  StoreOptions options_;
  Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> results_;
  std::unordered_map<std::string, Entry> latest_;
  std::multimap<SteadyTime, std::string> result_expiry_;  // oldest first
};

}  // namespace tmon::store
