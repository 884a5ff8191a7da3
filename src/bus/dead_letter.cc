#include "bus/dead_letter.h"

#include "common/logging.h"
#include "messages/codec.h"

namespace tmon::bus {

DeadLetterPublisher::DeadLetterPublisher(RetryingSender& sender, std::string topic,
                                         std::string stage, Clock& clock, BusMetrics* metrics,
                                         size_t max_letter_bytes)
    : sender_(sender),
      topic_(std::move(topic)),
      stage_(std::move(stage)),
      clock_(clock),
      metrics_(metrics),
      max_letter_bytes_(max_letter_bytes) {}

std::string_view dead_letter_reason(std::string_view message) {
  const auto has = [message](std::string_view text) {
    return message.find(text) != std::string_view::npos;
  };
  // Order matters: "invalid JSON: ... expected ..." is about the JSON text,
  // and a type mismatch names what it got (", got string").
  if (message.starts_with("invalid JSON") || message == "expected a JSON object") {
    return "invalid_json";
  }
  if (message.starts_with("handler error")) return "handler_error";  // StageRunner
  if (has("too large") || has("too long") || has("exceeds") || has("oversized")) {
    return "oversized";
  }
  if (has("required field missing") || has("required when")) return "missing_field";
  // JsonReader names the JSON type it found on every type mismatch.
  if (has(", got ")) return "wrong_type";
  if (has("expected ") || has("out of range")) return "invalid_value";
  return "other";
}

void DeadLetterPublisher::publish(const ConsumedMessage& message, const std::string& reason,
                                  Consumer& consumer) {
  const auto letter = messages::make_dead_letter(message.topic, message.partition, message.offset,
                                                 message.key, message.value, stage_, reason,
                                                 clock_.epoch_ms(), max_letter_bytes_);
  // The letter's key and reason: cut to a sane length, as the letter has them.
  get_logger(stage_)->warn("dead letter: {}[{}]@{} key={}: {}{}", message.topic, message.partition,
                           message.offset, letter.key, letter.reason,
                           letter.payloadTruncated ? " (payload cut to fit the topic)" : "");
  if (letter.payloadTruncated && metrics_) {
    metrics_->dead_letters_truncated.Add({{"topic", message.topic}, {"stage", stage_}}).Increment();
  }
  const auto source = message.partition_key();
  const int64_t offset = message.offset;
  prometheus::Counter* counted =
      metrics_ ? &metrics_->dead_letters.Add({{"topic", message.topic},
                                              {"stage", stage_},
                                              {"reason", std::string(dead_letter_reason(reason))}})
               : nullptr;
  sender_.send(topic_, letter.key, messages::encode(letter),
               [&consumer, source, offset, counted](DeliveredOffset) {
                 if (counted) counted->Increment();
                 consumer.complete(source, offset);
               });
}

}  // namespace tmon::bus
