#include "schedule/key_state_store.h"

namespace tmon::schedule {
namespace {
constexpr const char* kDisabledKeys = "tmon:keys:disabled";
}  // namespace

void LocalKeyStateStore::disable(const std::string& key_id, const std::string& reason) {
  std::lock_guard lock(mu_);
  disabled_[key_id] = reason;
}

void LocalKeyStateStore::enable(const std::string& key_id) {
  std::lock_guard lock(mu_);
  disabled_.erase(key_id);
}

std::map<std::string, std::string> LocalKeyStateStore::disabled() {
  std::lock_guard lock(mu_);
  return disabled_;
}

RedisKeyStateStore::RedisKeyStateStore(std::shared_ptr<store::RedisClient> redis)
    : redis_(std::move(redis)) {}

void RedisKeyStateStore::disable(const std::string& key_id, const std::string& reason) {
  known_.disable(key_id, reason);
  (void)redis_->command({"HSET", kDisabledKeys, key_id, reason});
}

void RedisKeyStateStore::enable(const std::string& key_id) {
  known_.enable(key_id);
  (void)redis_->command({"HDEL", kDisabledKeys, key_id});
}

std::map<std::string, std::string> RedisKeyStateStore::disabled() {
  auto reply = redis_->command({"HGETALL", kDisabledKeys});
  if (!reply) return known_.disabled();
  std::map<std::string, std::string> shared;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    shared[reply->elements[i].text] = reply->elements[i + 1].text;
  }
  // Adopt the shared view: keys re-enabled elsewhere come back here too.
  for (const auto& [id, reason] : known_.disabled()) {
    if (!shared.contains(id)) known_.enable(id);
  }
  for (const auto& [id, reason] : shared) known_.disable(id, reason);
  return shared;
}

bool RedisKeyStateStore::claim_probe(const std::string& key_id, Millis interval) {
  // Slightly shorter than the interval, so the next claim is not refused by
  // a lock that has a few milliseconds left.
  const int64_t ttl = std::max<int64_t>(1, interval.count() - interval.count() / 20);
  auto reply = redis_->command(
      {"SET", std::string("tmon:keys:probe:") + key_id, "1", "NX", "PX", std::to_string(ttl)});
  if (!reply) return true;
  return reply->text == "OK";
}

}  // namespace tmon::schedule
