#pragma once

#include <string>
#include <string_view>

#include "bus/consumer.h"
#include "bus/metrics.h"
#include "bus/producer.h"
#include "common/clock.h"

namespace tmon::bus {

// Sends messages a stage cannot process to the dead-letter topic, with where
// they came from and why, so nothing is dropped silently. The source offset is
// completed only once the dead letter is delivered.
class DeadLetterPublisher {
 public:
  // With `metrics` (which must outlive the producer's callbacks), each
  // delivered dead letter counts in dead_letters_total.
  DeadLetterPublisher(Producer& producer, std::string topic, std::string stage, Clock& clock,
                      BusMetrics* metrics = nullptr);

  // Publishes `message` with `reason`; calls consumer.complete(message) when
  // the dead letter is durable. If it cannot be delivered the offset stays in
  // flight, so the message is replayed rather than lost.
  void publish(const ConsumedMessage& message, const std::string& reason, Consumer& consumer);

 private:
  Producer& producer_;
  std::string topic_;
  std::string stage_;
  Clock& clock_;
  BusMetrics* metrics_;
};

// The category of a dead letter's reason, for the bounded `reason` label of
// dead_letters_total; the full text stays in the dead letter and the log.
// From the decoders' messages (messages/codec.h): invalid_json (not JSON, or
// not an object), missing_field, wrong_type, invalid_value (right type, value
// out of range or not allowed), oversized; anything else is "other".
std::string_view dead_letter_reason(std::string_view message);

// Every value dead_letter_reason() returns.
inline constexpr std::string_view kDeadLetterReasons[] = {
    "invalid_json", "missing_field", "wrong_type", "invalid_value", "oversized", "other"};

}  // namespace tmon::bus
