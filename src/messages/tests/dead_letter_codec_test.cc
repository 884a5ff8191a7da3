#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "messages/codec.h"
#include "messages/tests/test_messages.h"

namespace tmon::messages {
namespace {

using nlohmann::json;
using testing::error_of;

TEST(DeadLetterCodecTest, TextPayloadIsKeptVerbatim) {
  const std::string payload = R"({"cameraId": "cam-1", "captureTs": "oops"})";
  const DeadLetter letter = make_dead_letter("detection-results", 3, 12345, "cam-1", payload,
                                             "generate", "captureTs: expected an integer", 99);
  EXPECT_EQ(letter.schemaVersion, kSchemaVersion);
  EXPECT_EQ(letter.sourceTopic, "detection-results");
  EXPECT_EQ(letter.partition, 3);
  EXPECT_EQ(letter.offset, 12345);
  EXPECT_EQ(letter.key, "cam-1");
  EXPECT_EQ(letter.stage, "generate");
  EXPECT_EQ(letter.reason, "captureTs: expected an integer");
  EXPECT_EQ(letter.payload, payload);
  EXPECT_FALSE(letter.payloadBase64);
  EXPECT_EQ(letter.failedTs, 99);
}

TEST(DeadLetterCodecTest, OversizedPayloadsAreCutToFitWithTheirSizeRecorded) {
  constexpr size_t kLimit = 64 * 1024;
  std::string text(1'000'000, 'a');
  std::string escapes(1'000'000, '\x01');  // six bytes each once escaped
  std::string binary(1'000'000, '\xff');   // base64: four bytes per three
  std::string utf8;
  for (int i = 0; i < 300'000; ++i) utf8 += "限";
  for (const std::string* payload : {&text, &escapes, &binary, &utf8}) {
    const DeadLetter letter =
        make_dead_letter("detection-results", 0, 7, std::string(100'000, 'k'), *payload, "generate",
                         std::string(100'000, 'r'), 1, kLimit);
    const std::string encoded = encode(letter);
    EXPECT_LE(encoded.size(), kLimit);
    EXPECT_GT(encoded.size(), kLimit / 4) << "cut far more than needed";
    EXPECT_TRUE(letter.payloadTruncated);
    EXPECT_EQ(letter.payloadBytes, static_cast<int64_t>(payload->size()));
    EXPECT_LE(letter.key.size(), 256u);
    EXPECT_LE(letter.reason.size(), 1024u);
    auto decoded = decode_dead_letter(encoded);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, letter);
    // What is kept is the start of the original.
    const std::string kept = letter.payloadBase64 ? *base64_decode(letter.payload) : letter.payload;
    EXPECT_EQ(payload->compare(0, kept.size(), kept), 0);
  }
  const DeadLetter small = make_dead_letter("t", 0, 1, "k", "{}", "s", "r", 1, kLimit);
  EXPECT_FALSE(small.payloadTruncated);
  EXPECT_EQ(small.payloadBytes, 2);
}

TEST(DeadLetterCodecTest, BinaryPayloadIsBase64) {
  const std::string payload("\x89PNG\r\n\x1a\n\0\xFF", 10);
  const DeadLetter letter =
      make_dead_letter("assessment-tasks", 0, 1, "k", payload, "schedule", "invalid JSON", 5);
  EXPECT_TRUE(letter.payloadBase64);
  EXPECT_EQ(base64_decode(letter.payload), payload);
}

TEST(DeadLetterCodecTest, InvalidBytesInKeyAndReasonAreReplaced) {
  const DeadLetter letter =
      make_dead_letter("t", 0, 0, "cam\xFF", "{}", "s", "invalid JSON: last read: '\xC3'", 0);
  EXPECT_EQ(letter.key, "cam\xEF\xBF\xBD");
  EXPECT_EQ(letter.reason, "invalid JSON: last read: '\xEF\xBF\xBD'");
}

TEST(DeadLetterCodecTest, TextAndBinaryLettersRoundTrip) {
  for (const std::string& payload : {std::string("{\"unicode\": \"") + testing::kTrickyText + "\"}",
                                     std::string(""), std::string("\xC0\x80 not utf-8 \xFF")}) {
    const DeadLetter original = make_dead_letter(
        "detection-results", 15, std::numeric_limits<int64_t>::max(), testing::kTrickyText, payload,
        "aggregate", "reason: " + testing::kTrickyText, -42);
    const Result<DeadLetter> decoded = decode_dead_letter(encode(original));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, original);
  }
}

TEST(DeadLetterCodecTest, MissingRequiredFieldsAreNamed) {
  const json valid = json::parse(encode(make_dead_letter("t", 0, 0, "k", "p", "s", "r", 0)));
  for (const char* field : {"sourceTopic", "reason", "payload"}) {
    json letter = valid;
    letter.erase(field);
    EXPECT_EQ(error_of(decode_dead_letter(letter.dump())),
              std::string(field) + ": required field missing");
  }
}

TEST(DeadLetterCodecTest, Base64FlagRequiresBase64Payload) {
  json letter = json::parse(encode(make_dead_letter("t", 0, 0, "k", "not base64!", "s", "r", 0)));
  letter["payloadBase64"] = true;
  EXPECT_EQ(error_of(decode_dead_letter(letter.dump())),
            "payload: expected base64 when payloadBase64 is true");
}

TEST(DeadLetterCodecTest, PartitionOutsideInt32IsRejected) {
  json letter = json::parse(encode(make_dead_letter("t", 0, 0, "k", "p", "s", "r", 0)));
  letter["partition"] = 4294967296;
  EXPECT_EQ(error_of(decode_dead_letter(letter.dump())), "partition: integer out of range");
}

}  // namespace
}  // namespace tmon::messages
