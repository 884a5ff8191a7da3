#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"

namespace tmon::schedule {

enum class KeyState { kAvailable, kCooling, kDisabled };
std::string_view to_string(KeyState state);

// A key handed out for one call; give it back with KeyPool::release().
struct KeyLease {
  std::string id;
  std::string secret;
};

// What operators may see of a key: never the secret itself.
struct KeySnapshot {
  std::string id;
  std::string masked;
  std::string account;
  KeyState state = KeyState::kAvailable;
  std::string disabled_reason;
  int in_flight = 0;
  int64_t requests = 0;
};

// The API keys one scheduler uses, their state and in-flight counts.
// Selection picks, among available keys not excluded, the one with the least
// in-flight calls per unit of weight; ties rotate so load spreads evenly.
// Thread-safe.
class KeyPool {
 public:
  explicit KeyPool(const std::vector<config::ApiKeyConfig>& keys);

  // A key for the next call, or nullopt when none is available outside
  // `excluded` (keys this task already failed on).
  std::optional<KeyLease> acquire(const std::set<std::string>& excluded = {});
  void release(const std::string& id);
  // Takes a key out of rotation (auth or quota failure) until re-enabled.
  void disable(const std::string& id, const std::string& reason);
  void enable(const std::string& id);

  size_t size() const;
  size_t available() const;
  std::vector<KeySnapshot> snapshot() const;

 private:
  struct Key {
    config::ApiKeyConfig config;
    KeyState state = KeyState::kAvailable;
    std::string disabled_reason;
    int in_flight = 0;
    int64_t requests = 0;
  };

  mutable std::mutex mu_;
  std::vector<Key> keys_;
  size_t rotation_ = 0;  // where tie-breaking starts next time
};

}  // namespace tmon::schedule
