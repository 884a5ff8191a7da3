#include "bus/dead_letter.h"

#include "common/logging.h"
#include "messages/codec.h"

namespace tmon::bus {

DeadLetterPublisher::DeadLetterPublisher(Producer& producer, std::string topic, std::string stage,
                                         Clock& clock)
    : producer_(producer), topic_(std::move(topic)), stage_(std::move(stage)), clock_(clock) {}

void DeadLetterPublisher::publish(const ConsumedMessage& message, const std::string& reason,
                                  Consumer& consumer) {
  get_logger(stage_)->warn("dead letter: {}[{}]@{} key={}: {}", message.topic, message.partition,
                           message.offset, message.key, reason);
  const auto letter =
      messages::make_dead_letter(message.topic, message.partition, message.offset, message.key,
                                 message.value, stage_, reason, clock_.epoch_ms());
  const auto source = message.partition_key();
  const int64_t offset = message.offset;
  const std::string stage = stage_;
  auto sent = producer_.send(topic_, message.key, messages::encode(letter),
                             [&consumer, source, offset, stage](Result<DeliveredOffset> outcome) {
                               if (outcome) {
                                 consumer.complete(source, offset);
                               } else {
                                 get_logger(stage)->error("dead letter not delivered: {}",
                                                          outcome.error().message);
                               }
                             });
  if (!sent) get_logger(stage_)->error("dead letter not queued: {}", sent.error().message);
}

}  // namespace tmon::bus
