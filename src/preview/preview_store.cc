#include "preview/preview_store.h"

namespace tmon::preview {
namespace {

// Server time in ms: leases are judged by one clock, Redis's.
constexpr const char* kNow = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
)";

// KEYS: watch keys; ARGV: holder, ttl ms. Expired holders go first, so a
// zset never grows with watchers that died without dropping their lease.
// The key itself lives as long as its longest lease.
const std::string kHoldScript = std::string(kNow) + R"(
local ttl = tonumber(ARGV[2])
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  redis.call('ZADD', key, now + ttl, ARGV[1])
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
return #KEYS
)";

// KEYS: n watch keys, then the n pulled keys of the same cameras; ARGV:
// puller, announce ttl ms. Returns, per camera, its live leases.
const std::string kPollScript = std::string(kNow) + R"(
local n = #KEYS / 2
local alive = {}
for i = 1, n do
  alive[i] = redis.call('ZCOUNT', KEYS[i], now + 1, '+inf')
  redis.call('SET', KEYS[n + i], ARGV[1], 'PX', ARGV[2])
end
return alive
)";

Error unexpected_reply(const std::string& what) {
  return Error{ErrorCode::kInternal, "redis: unexpected reply to " + what};
}

}  // namespace

std::string watch_key(const std::string& camera_id) {
  return std::string(kWatchKeyPrefix) + camera_id;
}
std::string preview_channel(const std::string& camera_id) {
  return std::string(kPreviewChannelPrefix) + camera_id;
}
std::string pulled_key(const std::string& camera_id) {
  return std::string(kPulledKeyPrefix) + camera_id;
}

RedisPreviewStore::RedisPreviewStore(std::shared_ptr<store::RedisClient> client)
    : client_(std::move(client)) {}

Status RedisPreviewStore::hold(const std::vector<std::string>& camera_ids,
                               const std::string& holder, Millis ttl) {
  if (camera_ids.empty()) return {};
  std::vector<std::string> command{"EVAL", kHoldScript, std::to_string(camera_ids.size())};
  for (const auto& id : camera_ids) command.push_back(watch_key(id));
  command.push_back(holder);
  command.push_back(std::to_string(ttl.count()));
  auto reply = client_->command(command);
  if (!reply) return tl::unexpected(reply.error());
  return {};
}

Status RedisPreviewStore::drop(const std::string& camera_id, const std::string& holder) {
  auto reply = client_->command({"ZREM", watch_key(camera_id), holder});
  if (!reply) return tl::unexpected(reply.error());
  return {};
}

Result<std::vector<bool>> RedisPreviewStore::poll(const std::vector<std::string>& camera_ids,
                                                  const std::string& puller, Millis announce_ttl) {
  if (camera_ids.empty()) return std::vector<bool>{};
  std::vector<std::string> command{"EVAL", kPollScript, std::to_string(2 * camera_ids.size())};
  for (const auto& id : camera_ids) command.push_back(watch_key(id));
  for (const auto& id : camera_ids) command.push_back(pulled_key(id));
  command.push_back(puller);
  command.push_back(std::to_string(announce_ttl.count()));
  auto reply = client_->command(command);
  if (!reply) return tl::unexpected(reply.error());
  if (reply->type != store::RedisReply::Type::kArray ||
      reply->elements.size() != camera_ids.size()) {
    return tl::unexpected(unexpected_reply("the lease poll"));
  }
  std::vector<bool> watched;
  for (const auto& element : reply->elements) watched.push_back(element.integer > 0);
  return watched;
}

Result<bool> RedisPreviewStore::pulled(const std::string& camera_id) {
  auto reply = client_->command({"EXISTS", pulled_key(camera_id)});
  if (!reply) return tl::unexpected(reply.error());
  return reply->integer > 0;
}

Result<int64_t> RedisPreviewStore::publish(const std::string& camera_id,
                                           const std::string& message) {
  auto reply = client_->command({"PUBLISH", preview_channel(camera_id), message});
  if (!reply) return tl::unexpected(reply.error());
  return reply->integer;
}

}  // namespace tmon::preview
