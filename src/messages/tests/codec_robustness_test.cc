// Decoders face arbitrary bytes from Kafka: whatever arrives, they must
// return a value or an Error, never throw or crash.

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "messages/codec.h"
#include "messages/tests/test_messages.h"

namespace tmon::messages {
namespace {

// Runs every decoder on `text`; true if each returned without throwing and
// any error is a parse error with a message.
bool decodes_gracefully(std::string_view text) {
  bool graceful = true;
  const auto check = [&](const auto& result) {
    if (!result && (result.error().code != ErrorCode::kParse || result.error().message.empty())) {
      graceful = false;
    }
  };
  try {
    check(decode_detection_result(text));
    check(decode_assessment_task(text));
    check(decode_assessment_result(text));
    check(decode_dead_letter(text));
    check(decode_risk_assessment(text));
  } catch (...) {
    return false;
  }
  return graceful;
}

std::vector<std::string> valid_messages() {
  AssessmentResult failed = testing::full_assessment_result();
  failed.status = ResultStatus::kError;
  failed.code = "timeout";
  return {encode(testing::full_detection_result()),
          encode(testing::full_assessment_task()),
          encode(testing::full_assessment_result()),
          encode(failed),
          encode(testing::full_risk_assessment()),
          encode(make_dead_letter("t", 1, 2, "k", "\xFF\xFE", "s", "r", 3))};
}

TEST(CodecRobustnessTest, RandomBytesNeverThrow) {
  std::mt19937 rng(20240501);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 64);
  for (int i = 0; i < 10'000; ++i) {
    std::string text(length(rng), '\0');
    for (char& c : text) c = static_cast<char>(byte(rng));
    // Half start with '{' so the parser gets past the first byte more often.
    if (i % 2 == 0 && !text.empty()) text[0] = '{';
    ASSERT_TRUE(decodes_gracefully(text)) << "iteration " << i;
  }
}

TEST(CodecRobustnessTest, EveryTruncationOfAValidMessageIsHandled) {
  for (const std::string& message : valid_messages()) {
    for (size_t cut = 0; cut < message.size(); ++cut) {
      ASSERT_TRUE(decodes_gracefully(std::string_view(message).substr(0, cut))) << cut;
    }
  }
}

TEST(CodecRobustnessTest, RandomMutationsOfValidMessagesNeverThrow) {
  // Mutations keep most of the structure, so decoding reaches the field
  // readers with wrong types, odd numbers and broken nesting.
  static constexpr std::string_view kTokens[] = {
      "null", "true", "3.5", "-1",    "1e400",
      "\"\"", "[]",   "{}",  "\"x\"", "99999999999999999999",
      ",",    ":",    "]",   "}",     "\"\\u0000\"",
      "\xFF"};
  const std::vector<std::string> messages = valid_messages();
  std::mt19937 rng(7);
  for (int i = 0; i < 3'000; ++i) {
    std::string text = messages[i % messages.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = rng() % text.size();
      const size_t span = std::min<size_t>(rng() % 8, text.size() - at);
      text.replace(at, span, kTokens[rng() % std::size(kTokens)]);
    }
    ASSERT_TRUE(decodes_gracefully(text)) << "iteration " << i << ": " << text;
  }
}

TEST(CodecRobustnessTest, DeepNestingIsHandled) {
  const std::string deep =
      "{\"cameraId\": " + std::string(20'000, '[') + "1" + std::string(20'000, ']') + "}";
  EXPECT_TRUE(decodes_gracefully(deep));
  EXPECT_TRUE(decodes_gracefully(std::string(20'000, '[')));
}

}  // namespace
}  // namespace tmon::messages
