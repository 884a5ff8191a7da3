#include "store/redis_result_store.h"

namespace tmon::store {
namespace {

// KEYS: result, frame hash, frame published flag.
// ARGV: result json, result ttl, frame ttl, taskId.
// Returns {first time (0/1), results held for the frame, published (0/1)}.
constexpr const char* kApplyScript = R"lua(
local published = redis.call('EXISTS', KEYS[3])
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HLEN', KEYS[2]), published}
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if published == 0 then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return {1, redis.call('HLEN', KEYS[2]), published}
)lua";

// KEYS: published flag, latest, latest's captureTs, history, camera alert
// records, all alert records, active alerts, frame hash, high-risk views.
// ARGV: view json, capture ts, latest ttl, history size, alerts size, result
// ttl, channel, number of alerts, number of ended groups, history json,
// high risk (0/1), high-risk views kept, then per alert: group id, alert
// json, replaced json ("" if new); then the ended group ids.
// Returns 1 when published, 0 when the frame was published before.
constexpr const char* kPublishScript = R"lua(
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[6]) then return 0 end
local current = tonumber(redis.call('GET', KEYS[3]))
local newer = not current or current <= tonumber(ARGV[2]) or redis.call('EXISTS', KEYS[2]) == 0
if newer then
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[3])
  redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3])
end
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[10])
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[4]) + 1))
redis.call('EXPIRE', KEYS[4], ARGV[6])
if ARGV[11] == '1' then
  redis.call('LPUSH', KEYS[9], ARGV[1])
  redis.call('LTRIM', KEYS[9], 0, tonumber(ARGV[12]) - 1)
  redis.call('EXPIRE', KEYS[9], ARGV[6])
end
local alerts = tonumber(ARGV[8])
local ended = tonumber(ARGV[9])
local at = 13
for i = 1, alerts do
  local group, alert, replaced = ARGV[at], ARGV[at + 1], ARGV[at + 2]
  at = at + 3
  if replaced ~= '' then
    redis.call('LREM', KEYS[5], 1, replaced)
    redis.call('LREM', KEYS[6], 1, replaced)
  end
  redis.call('LPUSH', KEYS[5], alert)
  redis.call('LPUSH', KEYS[6], alert)
  redis.call('HSET', KEYS[7], group, alert)
end
for i = 1, ended do
  redis.call('HDEL', KEYS[7], ARGV[at])
  at = at + 1
end
if alerts > 0 then
  redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[5]) - 1)
  redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[5]) - 1)
  redis.call('EXPIRE', KEYS[5], ARGV[6])
  redis.call('EXPIRE', KEYS[7], ARGV[6])
end
redis.call('DEL', KEYS[8])
if newer then redis.call('PUBLISH', ARGV[7], ARGV[1]) end
return 1
)lua";

}  // namespace

RedisResultStore::RedisResultStore(std::shared_ptr<RedisClient> client, StoreOptions options)
    : client_(std::move(client)), options_(options) {}

Result<ResultApplied> RedisResultStore::apply(const ResultWrite& write) {
  auto reply = client_->command({"EVAL", kApplyScript, "3", result_key(write.task_id),
                                 frame_key(write.request_id), frame_published_key(write.request_id),
                                 write.result_json, std::to_string(options_.result_ttl_seconds),
                                 std::to_string(options_.frame_ttl_seconds), write.task_id});
  if (!reply) return tl::unexpected(reply.error());
  if (reply->elements.size() != 3) {
    return make_error(ErrorCode::kParse, "unexpected reply from the apply script");
  }
  return ResultApplied{reply->elements[0].integer == 1,
                       static_cast<int>(reply->elements[1].integer),
                       reply->elements[2].integer == 1};
}

Result<std::vector<std::string>> RedisResultStore::frame_results(const std::string& request_id) {
  return strings({"HVALS", frame_key(request_id)});
}

Result<std::map<std::string, std::string>> RedisResultStore::active_alerts(
    const std::string& camera_id) {
  auto reply = client_->command({"HGETALL", active_alerts_key(camera_id)});
  if (!reply) return tl::unexpected(reply.error());
  std::map<std::string, std::string> active;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    active[reply->elements[i].text] = reply->elements[i + 1].text;
  }
  return active;
}

Result<bool> RedisResultStore::publish_frame(const FrameWrite& frame) {
  std::vector<std::string> command{"EVAL",
                                   kPublishScript,
                                   "9",
                                   frame_published_key(frame.request_id),
                                   latest_key(frame.camera_id),
                                   latest_capture_key(frame.camera_id),
                                   history_key(frame.camera_id),
                                   alerts_key(frame.camera_id),
                                   alerts_key(""),
                                   active_alerts_key(frame.camera_id),
                                   frame_key(frame.request_id),
                                   high_risk_views_key(frame.camera_id),
                                   frame.view_json,
                                   std::to_string(frame.capture_ts),
                                   std::to_string(options_.latest_ttl_seconds),
                                   std::to_string(options_.history_size),
                                   std::to_string(options_.alerts_size),
                                   std::to_string(options_.result_ttl_seconds),
                                   camera_channel(frame.camera_id),
                                   std::to_string(frame.alerts.size()),
                                   std::to_string(frame.ended_alert_groups.size()),
                                   frame.history_json,
                                   frame.high_risk ? "1" : "0",
                                   std::to_string(options_.high_risk_views_size)};
  for (const auto& alert : frame.alerts) {
    command.insert(command.end(), {alert.group_id, alert.alert_json, alert.replaces});
  }
  command.insert(command.end(), frame.ended_alert_groups.begin(), frame.ended_alert_groups.end());
  auto reply = client_->command(command);
  if (!reply) return tl::unexpected(reply.error());
  return reply->integer == 1;
}

Status RedisResultStore::put_detection(const std::string& request_id, const std::string& json) {
  auto reply = client_->command({"SET", detection_key(request_id), json, "EX",
                                 std::to_string(options_.detection_ttl_seconds)});
  if (!reply) return tl::unexpected(reply.error());
  return {};
}

Result<std::optional<std::string>> RedisResultStore::detection(const std::string& request_id) {
  return get(detection_key(request_id));
}

Result<std::optional<std::string>> RedisResultStore::get(const std::string& key) {
  auto reply = client_->command({"GET", key});
  if (!reply) return tl::unexpected(reply.error());
  if (reply->is_nil()) return std::optional<std::string>{};
  return std::optional<std::string>{std::move(reply->text)};
}

Result<std::vector<std::string>> RedisResultStore::strings(
    const std::vector<std::string>& command) {
  auto reply = client_->command(command);
  if (!reply) return tl::unexpected(reply.error());
  std::vector<std::string> values;
  values.reserve(reply->elements.size());
  for (auto& element : reply->elements) values.push_back(std::move(element.text));
  return values;
}

Result<std::optional<std::string>> RedisResultStore::latest(const std::string& camera_id) {
  return get(latest_key(camera_id));
}

Result<std::optional<std::string>> RedisResultStore::result(const std::string& task_id) {
  return get(result_key(task_id));
}

Result<std::vector<std::string>> RedisResultStore::history(const std::string& camera_id,
                                                           int64_t since_ts, int limit) {
  return strings({"ZREVRANGEBYSCORE", history_key(camera_id), "+inf", std::to_string(since_ts),
                  "LIMIT", "0", std::to_string(limit)});
}

Result<std::vector<std::string>> RedisResultStore::alerts(const std::string& camera_id, int limit) {
  return strings({"LRANGE", alerts_key(camera_id), "0", std::to_string(limit - 1)});
}

Result<std::vector<std::string>> RedisResultStore::high_risk_views(const std::string& camera_id,
                                                                   int limit) {
  return strings({"LRANGE", high_risk_views_key(camera_id), "0", std::to_string(limit - 1)});
}

std::string RedisResultStore::describe() const {
  return "redis " + client_->address().describe();
}

}  // namespace tmon::store
