#include "api/alert_acks.h"

#include <nlohmann/json.hpp>

namespace tmon::api {

messages::JsonValue to_json(const AlertAck& ack) {
  return messages::JsonValue{{"by", ack.by}, {"at", ack.at}, {"note", ack.note}};
}

Result<AlertAck> decode_alert_ack(std::string_view json) {
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_object() || !parsed.value("by", nlohmann::json()).is_string() ||
      !parsed.value("at", nlohmann::json()).is_number_integer()) {
    return make_error(ErrorCode::kParse, "stored alert ack is not {by, at, note}");
  }
  return AlertAck{parsed["by"].get<std::string>(), parsed["at"].get<int64_t>(),
                  parsed.value("note", std::string())};
}

std::string alert_ack_key(const std::string& alert_id) {
  return "tmon:alert-ack:" + alert_id;
}

RedisAlertAcks::RedisAlertAcks(std::shared_ptr<store::RedisClient> client, int ttl_seconds)
    : client_(std::move(client)), ttl_seconds_(ttl_seconds) {}

Status RedisAlertAcks::put(const std::string& alert_id, const AlertAck& ack) {
  auto reply = client_->command({"SET", alert_ack_key(alert_id), messages::dump(to_json(ack)), "EX",
                                 std::to_string(ttl_seconds_)});
  if (!reply) return tl::unexpected(reply.error());
  return {};
}

Result<std::map<std::string, AlertAck>> RedisAlertAcks::get(const std::vector<std::string>& ids) {
  std::map<std::string, AlertAck> found;
  if (ids.empty()) return found;
  std::vector<std::string> command{"MGET"};
  for (const auto& id : ids) command.push_back(alert_ack_key(id));
  auto reply = client_->command(command);
  if (!reply) return tl::unexpected(reply.error());
  for (size_t i = 0; i < ids.size() && i < reply->elements.size(); ++i) {
    if (reply->elements[i].is_nil()) continue;
    // A value we did not write is ignored, not fatal to the whole list.
    if (auto ack = decode_alert_ack(reply->elements[i].text)) found[ids[i]] = std::move(*ack);
  }
  return found;
}

Status MemoryAlertAcks::put(const std::string& alert_id, const AlertAck& ack) {
  std::lock_guard lock(mu_);
  if (acks_.insert_or_assign(alert_id, ack).second) order_.push_back(alert_id);
  while (acks_.size() > capacity_ && !order_.empty()) {
    acks_.erase(order_.front());
    order_.pop_front();
  }
  return {};
}

Result<std::map<std::string, AlertAck>> MemoryAlertAcks::get(const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  std::map<std::string, AlertAck> found;
  for (const auto& id : ids) {
    if (const auto it = acks_.find(id); it != acks_.end()) found.emplace(id, it->second);
  }
  return found;
}

}  // namespace tmon::api
