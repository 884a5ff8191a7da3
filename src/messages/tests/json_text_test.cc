#include "messages/json_text.h"

#include <gtest/gtest.h>

#include "messages/utf8.h"

namespace tmon::messages::detail {
namespace {

TEST(JsonTextTest, InvalidJsonIsAParseErrorWithDetail) {
  const Result<Json> parsed = parse_json_object(R"({"a": )");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
  EXPECT_TRUE(parsed.error().message.starts_with("invalid JSON: parse error at line 1"))
      << parsed.error().message;
}

TEST(JsonTextTest, EmptyInputIsInvalidJson) {
  const Result<Json> parsed = parse_json_object("");
  ASSERT_FALSE(parsed);
  EXPECT_TRUE(parsed.error().message.starts_with("invalid JSON: ")) << parsed.error().message;
}

TEST(JsonTextTest, TrailingGarbageIsInvalidJson) {
  const Result<Json> parsed = parse_json_object(R"({"a": 1} x)");
  ASSERT_FALSE(parsed);
  EXPECT_TRUE(parsed.error().message.starts_with("invalid JSON: ")) << parsed.error().message;
}

TEST(JsonTextTest, NonObjectTopLevelIsRejected) {
  for (const char* text : {"[1, 2]", "\"text\"", "42", "null", "true"}) {
    const Result<Json> parsed = parse_json_object(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().message, "expected a JSON object") << text;
  }
}

TEST(JsonTextTest, ErrorDetailIsBoundedAndValidUtf8) {
  // An unterminated string: nlohmann quotes everything it read so far, here
  // a long run of bytes including one that is not UTF-8.
  const std::string text = "{\"image\": \"" + std::string(100'000, 'A') + "\xFF";
  const Result<Json> parsed = parse_json_object(text);
  ASSERT_FALSE(parsed);
  EXPECT_LT(parsed.error().message.size(), 300u);
  EXPECT_TRUE(is_valid_utf8(parsed.error().message));
}

TEST(JsonTextTest, DumpWritesUnicodeVerbatimAndReplacesInvalidBytes) {
  const OrderedJson value{{"b", "caf\xC3\xA9"}, {"a", "bad\xFFtail"}};
  EXPECT_EQ(dump_json(value), "{\"b\":\"caf\xC3\xA9\",\"a\":\"bad\xEF\xBF\xBDtail\"}");
}

TEST(JsonTextTest, DecodeMessageReportsTheReadersFirstError) {
  const auto decoded = decode_message<int>(
      R"({"n": "x"})", [](const JsonReader& r, int* out) { r.required("n", out); });
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kParse);
  EXPECT_EQ(decoded.error().message, "n: expected an integer, got string");
}

}  // namespace
}  // namespace tmon::messages::detail
