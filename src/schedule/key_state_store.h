#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "store/redis_client.h"

namespace tmon::schedule {

// Which keys are disabled (auth or quota failures, operators), shared by the
// scheduler instances that use the same keys. Thread-safe; calls may block.
class KeyStateStore {
 public:
  virtual ~KeyStateStore() = default;
  virtual void disable(const std::string& key_id, const std::string& reason) = 0;
  virtual void enable(const std::string& key_id) = 0;
  // key id -> reason, for every key disabled by any instance.
  virtual std::map<std::string, std::string> disabled() = 0;
  // True for the one instance that may probe `key_id` during `interval`.
  virtual bool claim_probe(const std::string& key_id, Millis interval) = 0;
};

using KeyStateStorePtr = std::unique_ptr<KeyStateStore>;

class LocalKeyStateStore final : public KeyStateStore {
 public:
  void disable(const std::string& key_id, const std::string& reason) override;
  void enable(const std::string& key_id) override;
  std::map<std::string, std::string> disabled() override;
  bool claim_probe(const std::string&, Millis) override { return true; }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> disabled_;
};

// A Redis hash (tmon:keys:disabled) shared by all instances. While Redis is
// unreachable it keeps working from what this instance knows and changed.
class RedisKeyStateStore final : public KeyStateStore {
 public:
  explicit RedisKeyStateStore(std::shared_ptr<store::RedisClient> redis);
  void disable(const std::string& key_id, const std::string& reason) override;
  void enable(const std::string& key_id) override;
  std::map<std::string, std::string> disabled() override;
  // SET NX with the interval as expiry; without Redis every instance probes.
  bool claim_probe(const std::string& key_id, Millis interval) override;

 private:
  std::shared_ptr<store::RedisClient> redis_;
  LocalKeyStateStore known_;  // last view from Redis plus our own changes
};

}  // namespace tmon::schedule
