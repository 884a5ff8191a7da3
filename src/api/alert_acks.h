#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "messages/codec.h"
#include "store/redis_client.h"

namespace tmon::api {

// An operator's handling of an alert: who marked it handled, when, and why.
struct AlertAck {
  std::string by;    // the operator's name as they gave it, or their role
  int64_t at = 0;    // epoch ms
  std::string note;  // free text, bounded by kMaxAckNoteBytes
  bool operator==(const AlertAck&) const = default;
};

constexpr size_t kMaxAckNoteBytes = 2000;
constexpr size_t kMaxAckByBytes = 100;

messages::JsonValue to_json(const AlertAck& ack);
Result<AlertAck> decode_alert_ack(std::string_view json);

// Where acknowledgements live, by alertId. Redis in deployments, so every
// API process sees the same state and it survives restarts; in-process memory
// beside the in-process result store. Thread-safe.
class AlertAcks {
 public:
  virtual ~AlertAcks() = default;
  virtual Status put(const std::string& alert_id, const AlertAck& ack) = 0;
  // The acks of those alerts that have one.
  virtual Result<std::map<std::string, AlertAck>> get(const std::vector<std::string>& ids) = 0;
};
using AlertAcksPtr = std::shared_ptr<AlertAcks>;

// tmon:alert-ack:{alertId} -> the ack's JSON, kept `ttl_seconds` (an alert
// record is long gone from the bounded alert lists by then).
std::string alert_ack_key(const std::string& alert_id);

class RedisAlertAcks : public AlertAcks {
 public:
  RedisAlertAcks(std::shared_ptr<store::RedisClient> client, int ttl_seconds = 30 * 86400);
  Status put(const std::string& alert_id, const AlertAck& ack) override;
  Result<std::map<std::string, AlertAck>> get(const std::vector<std::string>& ids) override;

 private:
  std::shared_ptr<store::RedisClient> client_;
  int ttl_seconds_;
};

// At most `capacity` acks; the oldest written goes first.
class MemoryAlertAcks : public AlertAcks {
 public:
  explicit MemoryAlertAcks(size_t capacity = 10'000) : capacity_(capacity) {}
  Status put(const std::string& alert_id, const AlertAck& ack) override;
  Result<std::map<std::string, AlertAck>> get(const std::vector<std::string>& ids) override;

 private:
  size_t capacity_;
  std::mutex mu_;
  std::map<std::string, AlertAck> acks_;
  std::deque<std::string> order_;
};

}  // namespace tmon::api
