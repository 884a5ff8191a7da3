#include "messages/legacy_timestamp.h"

#include <gtest/gtest.h>

namespace tmon::messages::detail {
namespace {

// 2024-05-01T12:00:00Z
constexpr int64_t kNoonMs = 1'714'564'800'000;

TEST(ParseIso8601Test, AcceptsUtcWithMilliseconds) {
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T12:00:00.123Z"), kNoonMs + 123);
}

TEST(ParseIso8601Test, TreatsNoZoneAsUtcAndAcceptsASpaceSeparator) {
  EXPECT_EQ(parse_iso8601_ms("2024-05-01 12:00:00"), kNoonMs);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T12:00:00"), kNoonMs);
}

TEST(ParseIso8601Test, AppliesZoneOffsets) {
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T20:00:00+08:00"), kNoonMs);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T20:00:00+0800"), kNoonMs);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T20:00:00+08"), kNoonMs);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T07:30:00-04:30"), kNoonMs);
}

TEST(ParseIso8601Test, ScalesShortFractionsAndTruncatesLongOnes) {
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T12:00:00.1Z"), kNoonMs + 100);
  EXPECT_EQ(parse_iso8601_ms("2024-05-01T12:00:00.123999+00:00"), kNoonMs + 123);
}

TEST(ParseIso8601Test, HandlesDatesBeforeTheEpochAndLeapDays) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("1969-12-31T23:59:59.500Z"), -500);
  EXPECT_EQ(parse_iso8601_ms("2024-02-29T00:00:00Z"), 1'709'164'800'000);
}

TEST(ParseIso8601Test, RejectsMalformedOrImpossibleDates) {
  for (const char* text :
       {"", "2024-05-01", "2024-5-01T12:00:00", "2024-05-01T12:00", "2024-05-01T12:00:00.",
        "2024-05-01T12:00:00Zjunk", "2023-02-29T00:00:00", "2024-13-01T00:00:00",
        "2024-05-01T24:00:00", "2024-05-01T12:60:00", "2024-05-01T12:00:60",
        "2024-05-01T12:00:00+25:00", "2024-05-01X12:00:00", "1714564800"}) {
    EXPECT_EQ(parse_iso8601_ms(text), std::nullopt) << text;
  }
}

TEST(LegacyNumberTest, SmallNumbersAreSecondsLargeOnesMilliseconds) {
  EXPECT_EQ(legacy_number_to_ms(Json(1714564800)), kNoonMs);
  EXPECT_EQ(legacy_number_to_ms(Json(1714564800.123)), kNoonMs + 123);
  EXPECT_EQ(legacy_number_to_ms(Json(kNoonMs)), kNoonMs);
  EXPECT_EQ(legacy_number_to_ms(Json(1714564800123.0)), kNoonMs + 123);
  EXPECT_EQ(legacy_number_to_ms(Json(uint64_t{1714564800})), kNoonMs);
  EXPECT_EQ(legacy_number_to_ms(Json(-1.5)), -1500);
}

TEST(LegacyNumberTest, OutOfRangeNumbersAreRejected) {
  EXPECT_EQ(legacy_number_to_ms(Json(1e300)), std::nullopt);
  EXPECT_EQ(legacy_number_to_ms(Json(-1e300)), std::nullopt);
  EXPECT_EQ(legacy_number_to_ms(Json(std::numeric_limits<int64_t>::min())), std::nullopt);
  EXPECT_EQ(legacy_number_to_ms(Json(std::numeric_limits<uint64_t>::max())), std::nullopt);
}

struct CaptureTsCase {
  const char* json;
  int64_t expected_ms;
};

class ReadCaptureTsTest : public ::testing::TestWithParam<CaptureTsCase> {};

TEST_P(ReadCaptureTsTest, ReadsCaptureTsOrTheLegacyTimestamp) {
  const Json root = Json::parse(GetParam().json);
  const JsonReader reader(root);
  int64_t ts = 0;
  read_capture_ts(reader, &ts);
  ASSERT_TRUE(reader.ok()) << reader.error();
  EXPECT_EQ(ts, GetParam().expected_ms);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, ReadCaptureTsTest,
    ::testing::Values(CaptureTsCase{R"({"captureTs": 1714564800000})", kNoonMs},
                      // captureTs wins: a v1 producer may also keep `timestamp`.
                      CaptureTsCase{R"({"captureTs": 5, "timestamp": 1714564800})", 5},
                      CaptureTsCase{R"({"timestamp": 1714564800.25})", kNoonMs + 250},
                      CaptureTsCase{R"({"timestamp": 1714564800000})", kNoonMs},
                      CaptureTsCase{R"({"timestamp": "2024-05-01T12:00:00.123Z"})", kNoonMs + 123},
                      CaptureTsCase{R"({"timestamp": "2024-05-01 12:00:00"})", kNoonMs}));

TEST(ReadCaptureTsErrorsTest, NeitherFieldIsReportedAsMissingCaptureTs) {
  const Json root = Json::parse(R"({"cameraId": "c"})");
  const JsonReader reader(root);
  int64_t ts = 0;
  read_capture_ts(reader, &ts);
  EXPECT_EQ(reader.error(), "captureTs: required field missing");
}

TEST(ReadCaptureTsErrorsTest, CaptureTsMustBeAnInteger) {
  const Json root = Json::parse(R"({"captureTs": "1714564800000"})");
  const JsonReader reader(root);
  int64_t ts = 0;
  read_capture_ts(reader, &ts);
  EXPECT_EQ(reader.error(), "captureTs: expected an integer, got string");
}

TEST(ReadCaptureTsErrorsTest, BadLegacyTimestampsAreNamed) {
  struct Case {
    const char* json;
    const char* error;
  };
  for (const Case& c : {
           Case{R"({"timestamp": "yesterday"})", "timestamp: expected an ISO-8601 date-time"},
           Case{R"({"timestamp": 1e300})", "timestamp: out of range"},
           Case{R"({"timestamp": true})",
                "timestamp: expected a number or an ISO-8601 string, got boolean"},
       }) {
    const Json root = Json::parse(c.json);
    const JsonReader reader(root);
    int64_t ts = 0;
    read_capture_ts(reader, &ts);
    EXPECT_EQ(reader.error(), c.error) << c.json;
  }
}

}  // namespace
}  // namespace tmon::messages::detail
