// Codec for tmon-dead-letter messages, and how they are built.

#include "common/base64.h"
#include "messages/codec.h"
#include "messages/json_text.h"
#include "messages/part_codecs.h"
#include "messages/utf8.h"

namespace tmon::messages {
namespace {

using detail::JsonReader;
using detail::OrderedJson;

void read_dead_letter(const JsonReader& message, DeadLetter* out) {
  detail::read_schema_version(message, &out->schemaVersion);
  message.required_non_empty("sourceTopic", &out->sourceTopic);
  message.optional("partition", &out->partition);
  message.optional("offset", &out->offset);
  message.optional("key", &out->key);
  message.optional("stage", &out->stage);
  message.required_non_empty("reason", &out->reason);
  // An empty payload is legal: an empty Kafka value is itself undecodable.
  message.required("payload", &out->payload);
  message.optional("payloadBase64", &out->payloadBase64);
  message.optional("failedTs", &out->failedTs);
  message.optional("payloadBytes", &out->payloadBytes);
  message.optional("payloadTruncated", &out->payloadTruncated);
  if (message.ok() && out->payloadBase64 && !base64_decode(out->payload)) {
    message.field("payload").fail("expected base64 when payloadBase64 is true");
  }
}

}  // namespace

JsonValue to_json(const DeadLetter& message) {
  return OrderedJson{{"schemaVersion", kSchemaVersion},
                     {"sourceTopic", message.sourceTopic},
                     {"partition", message.partition},
                     {"offset", message.offset},
                     {"key", message.key},
                     {"stage", message.stage},
                     {"reason", message.reason},
                     {"payload", message.payload},
                     {"payloadBase64", message.payloadBase64},
                     {"failedTs", message.failedTs},
                     {"payloadBytes", message.payloadBytes},
                     {"payloadTruncated", message.payloadTruncated}};
}

std::string encode(const DeadLetter& message) {
  return dump(to_json(message));
}

Result<DeadLetter> decode_dead_letter(std::string_view json) {
  return detail::decode_message<DeadLetter>(json, read_dead_letter);
}

namespace {

// Keys and reasons are short by nature; a poison message may make them long.
constexpr size_t kMaxKeyBytes = 256;
constexpr size_t kMaxReasonBytes = 1024;

// The payload as it travels: text when valid UTF-8, else base64.
void set_payload(DeadLetter& letter, std::string_view payload) {
  // JSON strings must be UTF-8: binary payloads would be mangled by the
  // encoder's replacement of invalid bytes, so they travel as base64.
  letter.payloadBase64 = !detail::is_valid_utf8(payload);
  letter.payload = letter.payloadBase64 ? base64_encode(payload) : std::string(payload);
}

}  // namespace

DeadLetter make_dead_letter(std::string_view source_topic, int32_t partition, int64_t offset,
                            std::string_view key, std::string_view payload, std::string_view stage,
                            std::string_view reason, int64_t now_ms, size_t max_encoded_bytes) {
  DeadLetter letter;
  letter.schemaVersion = kSchemaVersion;
  letter.sourceTopic = std::string(source_topic);
  letter.partition = partition;
  letter.offset = offset;
  // Keys and reasons are meant to be text; a stray invalid byte is replaced
  // now rather than by the encoder, so the letter equals its decoding.
  letter.key = detail::sanitize_utf8(detail::truncate_utf8(key, kMaxKeyBytes));
  letter.stage = std::string(stage);
  letter.reason = detail::sanitize_utf8(detail::truncate_utf8(reason, kMaxReasonBytes));
  letter.failedTs = now_ms;
  letter.payloadBytes = static_cast<int64_t>(payload.size());
  set_payload(letter, payload);
  // Escapes (\u0001 is six bytes) and base64 make the encoded size hard to
  // predict, so cut and measure; each round removes at least the overshoot
  // (or half), so this takes a few rounds.
  size_t keep = payload.size();
  while (keep > 0 && encode(letter).size() > max_encoded_bytes) {
    const size_t overshoot = encode(letter).size() - max_encoded_bytes;
    keep = keep > overshoot + 64 ? keep - overshoot - 64 : keep / 2;
    std::string_view part = payload.substr(0, keep);
    if (detail::is_valid_utf8(payload)) part = detail::truncate_utf8(part, keep);
    letter.payloadTruncated = true;
    set_payload(letter, part);
  }
  return letter;
}

}  // namespace tmon::messages
