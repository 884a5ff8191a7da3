#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/redis_client.h"

namespace tmon::preview {

// The Redis names of live view (README "Redis keys"). Channels and keys are
// separate namespaces in Redis; the prefixes keep them apart for readers too.
inline constexpr std::string_view kWatchKeyPrefix = "tmon:watch:";  // zset: holder -> expiry
inline constexpr std::string_view kPreviewChannelPrefix = "tmon:preview:";  // pub/sub
inline constexpr std::string_view kPulledKeyPrefix = "tmon:pulled:";        // string: puller, TTL
std::string watch_key(const std::string& camera_id);
std::string preview_channel(const std::string& camera_id);
std::string pulled_key(const std::string& camera_id);

// Where watch leases, pull announcements and preview frames meet, shared by
// every process of a deployment: Redis (RedisPreviewStore), or a fake in
// tests. Lease times are the store's own (Redis's server clock), so hosts
// whose clocks disagree still agree on whether a lease is alive.
// Implementations are thread-safe.
class PreviewStore {
 public:
  virtual ~PreviewStore() = default;

  // Watcher side: holds, or extends, `holder`'s lease on each camera until
  // `ttl` from now. Leases of other holders are untouched.
  virtual Status hold(const std::vector<std::string>& camera_ids, const std::string& holder,
                      Millis ttl) = 0;
  // Ends `holder`'s lease on a camera (at once, not at its expiry).
  virtual Status drop(const std::string& camera_id, const std::string& holder) = 0;

  // Puller side, once per poll: for each of its cameras, whether any lease
  // on it is alive; and announces that `puller` pulls them, for
  // `announce_ttl` (what pulled() reads).
  virtual Result<std::vector<bool>> poll(const std::vector<std::string>& camera_ids,
                                         const std::string& puller, Millis announce_ttl) = 0;
  // Whether some process announced lately that it pulls the camera.
  virtual Result<bool> pulled(const std::string& camera_id) = 0;
  // Sends a preview to whoever listens on the camera's channel; returns how
  // many received it.
  virtual Result<int64_t> publish(const std::string& camera_id, const std::string& message) = 0;
};
using PreviewStorePtr = std::shared_ptr<PreviewStore>;

// PreviewStore over Redis: a zset per camera of holder -> expiry (server
// time, ms), pruned and re-expired on each hold; a SET ... PX per pulled
// camera; PUBLISH on tmon:preview:{id}. hold() and poll() are one Lua script
// call each, whatever the number of cameras.
class RedisPreviewStore final : public PreviewStore {
 public:
  explicit RedisPreviewStore(std::shared_ptr<store::RedisClient> client);

  Status hold(const std::vector<std::string>& camera_ids, const std::string& holder,
              Millis ttl) override;
  Status drop(const std::string& camera_id, const std::string& holder) override;
  Result<std::vector<bool>> poll(const std::vector<std::string>& camera_ids,
                                 const std::string& puller, Millis announce_ttl) override;
  Result<bool> pulled(const std::string& camera_id) override;
  Result<int64_t> publish(const std::string& camera_id, const std::string& message) override;

 private:
  std::shared_ptr<store::RedisClient> client_;
};

}  // namespace tmon::preview
