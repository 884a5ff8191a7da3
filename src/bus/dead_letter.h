#pragma once

#include <string>

#include "bus/consumer.h"
#include "bus/producer.h"
#include "common/clock.h"

namespace tmon::bus {

// Sends messages a stage cannot process to the dead-letter topic, with where
// they came from and why, so nothing is dropped silently. The source offset is
// completed only once the dead letter is delivered.
class DeadLetterPublisher {
 public:
  DeadLetterPublisher(Producer& producer, std::string topic, std::string stage, Clock& clock);

  // Publishes `message` with `reason`; calls consumer.complete(message) when
  // the dead letter is durable. If it cannot be delivered the offset stays in
  // flight, so the message is replayed rather than lost.
  void publish(const ConsumedMessage& message, const std::string& reason, Consumer& consumer);

 private:
  Producer& producer_;
  std::string topic_;
  std::string stage_;
  Clock& clock_;
};

}  // namespace tmon::bus
