#include "store/redis_result_store.h"

namespace tmon::store {
namespace {

// KEYS: result key, latest key. ARGV: result json, view json, capture ts,
// result ttl, latest ttl, channel. Returns 1 when applied, 0 on replay.
constexpr const char* kApplyScript = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
local current = redis.call('GET', KEYS[2])
local newer = true
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded['captureTs']) and
     tonumber(decoded['captureTs']) > tonumber(ARGV[3]) then
    newer = false
  end
end
if newer then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[5])
  redis.call('PUBLISH', ARGV[6], ARGV[2])
end
return 1
)lua";

}  // namespace

RedisResultStore::RedisResultStore(std::shared_ptr<RedisClient> client, StoreOptions options)
    : client_(std::move(client)), options_(options) {}

Result<bool> RedisResultStore::apply(const ResultWrite& write) {
  auto reply = client_->command(
      {"EVAL", kApplyScript, "2", result_key(write.task_id), latest_key(write.camera_id),
       write.result_json, write.view_json, std::to_string(write.capture_ts),
       std::to_string(options_.result_ttl_seconds), std::to_string(options_.latest_ttl_seconds),
       camera_channel(write.camera_id)});
  if (!reply) return tl::unexpected(reply.error());
  return reply->integer == 1;
}

Result<std::optional<std::string>> RedisResultStore::get(const std::string& key) {
  auto reply = client_->command({"GET", key});
  if (!reply) return tl::unexpected(reply.error());
  if (reply->is_nil()) return std::optional<std::string>{};
  return std::optional<std::string>{std::move(reply->text)};
}

Result<std::optional<std::string>> RedisResultStore::latest(const std::string& camera_id) {
  return get(latest_key(camera_id));
}

Result<std::optional<std::string>> RedisResultStore::result(const std::string& task_id) {
  return get(result_key(task_id));
}

std::string RedisResultStore::describe() const {
  return "redis " + client_->address().describe();
}

}  // namespace tmon::store
