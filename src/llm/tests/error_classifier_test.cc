#include "llm/error_classifier.h"

#include <gtest/gtest.h>

namespace tmon::llm {
namespace {

constexpr const char* kDashScope429 =
    R"({"error":{"message":"Requests rate limit exceeded, please try again later.",)"
    R"("type":"limit_requests","param":null,"code":"limit_requests"}})";

struct Row {
  int status;
  const char* body;
  CallErrorKind expected;
  const char* provider_code;
};

class ClassifyHttpErrorTest : public ::testing::TestWithParam<Row> {};

TEST_P(ClassifyHttpErrorTest, MapsStatusAndCodeToKind) {
  const Row& row = GetParam();
  const CallError error = classify_http_error(row.status, row.body, std::nullopt);
  EXPECT_EQ(error.kind, row.expected) << row.status << " " << row.body;
  EXPECT_EQ(error.provider_code, row.provider_code);
  EXPECT_EQ(error.http_status, row.status);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ClassifyHttpErrorTest,
    ::testing::Values(
        Row{429, kDashScope429, CallErrorKind::kRateLimited, "limit_requests"},
        Row{429, R"({"error":{"code":"insufficient_quota","message":"x"}})",
            CallErrorKind::kQuotaExhausted, "insufficient_quota"},
        Row{400, R"({"error":{"code":"Arrearage","message":"Access denied"}})",
            CallErrorKind::kQuotaExhausted, "Arrearage"},
        Row{403, R"({"error":{"code":"AllocationQuota.FreeTierOnly","message":"x"}})",
            CallErrorKind::kQuotaExhausted, "AllocationQuota.FreeTierOnly"},
        Row{429, R"({"error":{"code":"Throttling.AllocationQuota","message":"x"}})",
            CallErrorKind::kRateLimited, "Throttling.AllocationQuota"},
        Row{401, R"({"error":{"code":"invalid_api_key","message":"Incorrect API key"}})",
            CallErrorKind::kAuthFailed, "invalid_api_key"},
        Row{403, "", CallErrorKind::kAuthFailed, ""},
        Row{400, R"({"error":{"code":"invalid_parameter_error","message":"x"}})",
            CallErrorKind::kBadRequest, "invalid_parameter_error"},
        Row{404, "not json", CallErrorKind::kBadRequest, ""},
        Row{408, "", CallErrorKind::kTimeout, ""}, Row{500, "", CallErrorKind::kServerError, ""},
        Row{503, R"({"error":{"type":"overloaded"}})", CallErrorKind::kServerError, "overloaded"}));

TEST(ClassifyHttpErrorTest, KeepsProviderMessageAndRetryAfter) {
  const CallError error = classify_http_error(429, kDashScope429, std::chrono::milliseconds(2000));
  EXPECT_EQ(error.message, "Requests rate limit exceeded, please try again later.");
  EXPECT_EQ(error.retry_after, std::chrono::milliseconds(2000));
}

TEST(ParseRetryAfterTest, ReadsDeltaSeconds) {
  EXPECT_EQ(parse_retry_after("2", 0), std::chrono::milliseconds(2000));
  EXPECT_EQ(parse_retry_after(" 0.5 ", 0), std::chrono::milliseconds(500));
}

TEST(ParseRetryAfterTest, ReadsHttpDateRelativeToNow) {
  // Wed, 21 Oct 2015 07:28:00 GMT is epoch 1445412480.
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412477000),
            std::chrono::milliseconds(3000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490000),
            std::chrono::milliseconds(0));
}

TEST(ParseRetryAfterTest, RejectsGarbage) {
  EXPECT_FALSE(parse_retry_after("", 0));
  EXPECT_FALSE(parse_retry_after("soon", 0));
  EXPECT_FALSE(parse_retry_after("-3", 0));
}

}  // namespace
}  // namespace tmon::llm
