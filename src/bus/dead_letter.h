#pragma once

#include <string>
#include <string_view>

#include "bus/consumer.h"
#include "bus/metrics.h"
#include "bus/producer.h"
#include "bus/retrying_sender.h"
#include "common/clock.h"

namespace tmon::bus {

// Largest dead letter by default: below Kafka's default max.message.bytes
// (1 MB) with room to spare, and plenty to diagnose a message by.
inline constexpr size_t kMaxDeadLetterBytes = 512 * 1024;

// Sends messages a stage cannot process to the dead-letter topic, with where
// they came from and why, so nothing is dropped silently. The source offset is
// completed only once the dead letter is delivered. A letter is always
// deliverable: one that would exceed max_letter_bytes carries only the start
// of the payload (payloadTruncated, payloadBytes), and a failed delivery is
// retried by the sender until it lands, so one poison message never stalls
// its partition.
class DeadLetterPublisher {
 public:
  // With `metrics` (which must outlive the producer's callbacks), each
  // delivered dead letter counts in dead_letters_total, each cut one in
  // dead_letters_truncated_total.
  DeadLetterPublisher(RetryingSender& sender, std::string topic, std::string stage, Clock& clock,
                      BusMetrics* metrics = nullptr, size_t max_letter_bytes = kMaxDeadLetterBytes);

  // Publishes `message` with `reason`; calls consumer.complete(message) when
  // the dead letter is durable. Until then the offset stays in flight, so a
  // stop before that replays the message rather than losing it.
  void publish(const ConsumedMessage& message, const std::string& reason, Consumer& consumer);

 private:
  RetryingSender& sender_;
  std::string topic_;
  std::string stage_;
  Clock& clock_;
  BusMetrics* metrics_;
  size_t max_letter_bytes_;
};

// The category of a dead letter's reason, for the bounded `reason` label of
// dead_letters_total; the full text stays in the dead letter and the log.
// From the decoders' messages (messages/codec.h): invalid_json (not JSON, or
// not an object), missing_field, wrong_type, invalid_value (right type, value
// out of range or not allowed), oversized, handler_error (the stage threw on
// it); anything else is "other".
std::string_view dead_letter_reason(std::string_view message);

// Every value dead_letter_reason() returns.
inline constexpr std::string_view kDeadLetterReasons[] = {
    "invalid_json", "missing_field", "wrong_type", "invalid_value",
    "oversized",    "handler_error", "other"};

}  // namespace tmon::bus
