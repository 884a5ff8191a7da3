#include "llm/error_classifier.h"

#include <gtest/gtest.h>

namespace tmon::llm {
namespace {

constexpr const char* kDashScope429 =
    R"({"error":{"message":"Requests rate limit exceeded, please try again later.",)"
    R"("type":"limit_requests","param":null,"code":"limit_requests"}})";

// An OpenAI-compatible error body as DashScope's compatible mode sends it.
std::string compatible(const char* code, const char* message) {
  return std::string(R"({"error":{"message":")") + message + R"(","type":")" + code +
         R"(","param":null,"code":")" + code + R"("}})";
}

// A body of DashScope's native API.
std::string native(const char* code, const char* message) {
  return std::string(R"({"code":")") + code + R"(","message":")" + message +
         R"(","request_id":"0b4e0ad5-1b8f-9c5d-9f3e-d1b2c3a4e5f6"})";
}

struct Row {
  int status;
  std::string body;
  CallErrorKind expected;
  Throttle throttle;
  std::string provider_code;
};

class ClassifyHttpErrorTest : public ::testing::TestWithParam<Row> {};

TEST_P(ClassifyHttpErrorTest, MapsStatusAndCodeToKind) {
  const Row& row = GetParam();
  const CallError error = classify_http_error(row.status, row.body, std::nullopt);
  EXPECT_EQ(error.kind, row.expected) << row.status << " " << row.body;
  EXPECT_EQ(error.throttle, row.throttle) << row.status << " " << row.body;
  EXPECT_EQ(error.provider_code, row.provider_code);
  EXPECT_EQ(error.http_status, row.status);
}

constexpr const char* kAllocated = "Allocated quota exceeded, please increase your quota limit.";
constexpr const char* kBurst =
    "Request rate increased too quickly. To ensure system stability, please adjust your client "
    "logic to scale requests more smoothly over time.";

// Every DashScope code the scheduler treats apart (issue 15), in both
// dialects, plus the generic HTTP fallbacks.
INSTANTIATE_TEST_SUITE_P(
    Rows, ClassifyHttpErrorTest,
    ::testing::Values(
        // Requests per second / minute: pace, never disable.
        Row{429, kDashScope429, CallErrorKind::kRateLimited, Throttle::kRequests, "limit_requests"},
        Row{429, native("Throttling.RateQuota", "Requests rate limit exceeded."),
            CallErrorKind::kRateLimited, Throttle::kRequests, "Throttling.RateQuota"},
        // Burst: the ramp-up was too steep.
        Row{429, compatible("limit_burst_rate", kBurst), CallErrorKind::kRateLimited,
            Throttle::kBurst, "limit_burst_rate"},
        Row{429, native("Throttling.BurstRate", kBurst), CallErrorKind::kRateLimited,
            Throttle::kBurst, "Throttling.BurstRate"},
        // Temporary quota (tokens per minute): cool with growth, never disable.
        Row{429, compatible("insufficient_quota", kAllocated), CallErrorKind::kQuotaThrottled,
            Throttle::kTokens, "insufficient_quota"},
        Row{429, native("Throttling.AllocationQuota", kAllocated), CallErrorKind::kQuotaThrottled,
            Throttle::kTokens, "Throttling.AllocationQuota"},
        // Lasting quota and billing: disable, then probe.
        Row{429, native("Throttling.AllocationQuota", "Free allocated quota exceeded."),
            CallErrorKind::kQuotaExhausted, Throttle::kNone, "Throttling.AllocationQuota"},
        Row{403,
            native("AllocationQuota.FreeTierOnly",
                   "The free tier of the model has been exhausted."),
            CallErrorKind::kQuotaExhausted, Throttle::kNone, "AllocationQuota.FreeTierOnly"},
        Row{400,
            compatible("Arrearage",
                       "Access denied, please make sure your account is in good standing."),
            CallErrorKind::kQuotaExhausted, Throttle::kNone, "Arrearage"},
        Row{400, native("PrepaidBillOverdue", "The prepaid bill is overdue."),
            CallErrorKind::kQuotaExhausted, Throttle::kNone, "PrepaidBillOverdue"},
        Row{400, native("PostpaidBillOverdue", "The postpaid bill is overdue."),
            CallErrorKind::kQuotaExhausted, Throttle::kNone, "PostpaidBillOverdue"},
        Row{403, native("CommodityNotPurchased", "Commodity has not purchased yet."),
            CallErrorKind::kQuotaExhausted, Throttle::kNone, "CommodityNotPurchased"},
        Row{429, compatible("billing_hard_limit_reached", "x"), CallErrorKind::kQuotaExhausted,
            Throttle::kNone, "billing_hard_limit_reached"},
        // Authentication: disable, then probe.
        Row{401, compatible("invalid_api_key", "Incorrect API key provided."),
            CallErrorKind::kAuthFailed, Throttle::kNone, "invalid_api_key"},
        Row{401, native("InvalidApiKey", "Invalid API-key provided."), CallErrorKind::kAuthFailed,
            Throttle::kNone, "InvalidApiKey"},
        Row{403, native("AccessDenied.Unpurchased", "Access to model denied."),
            CallErrorKind::kAuthFailed, Throttle::kNone, "AccessDenied.Unpurchased"},
        Row{403, "", CallErrorKind::kAuthFailed, Throttle::kNone, ""},
        // Unknown 429s cool; they never disable.
        Row{429, native("Throttling", "Requests throttling triggered."),
            CallErrorKind::kRateLimited, Throttle::kUnknown, "Throttling"},
        Row{429, "", CallErrorKind::kRateLimited, Throttle::kUnknown, ""},
        Row{429, compatible("some_new_code", "x"), CallErrorKind::kRateLimited, Throttle::kUnknown,
            "some_new_code"},
        // The rest by status.
        Row{400, compatible("invalid_parameter_error", "x"), CallErrorKind::kBadRequest,
            Throttle::kNone, "invalid_parameter_error"},
        Row{400, native("DataInspectionFailed", "Input data may contain inappropriate content."),
            CallErrorKind::kBadRequest, Throttle::kNone, "DataInspectionFailed"},
        Row{404, "not json", CallErrorKind::kBadRequest, Throttle::kNone, ""},
        Row{408, "", CallErrorKind::kTimeout, Throttle::kNone, ""},
        Row{500, native("InternalError", "An internal error has occured."),
            CallErrorKind::kServerError, Throttle::kNone, "InternalError"},
        Row{503, R"({"error":{"type":"overloaded"}})", CallErrorKind::kServerError, Throttle::kNone,
            "overloaded"}));

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
  EXPECT_FALSE(parse_retry_after("nan", 0));
  EXPECT_FALSE(parse_retry_after("inf", 0));
}

TEST(ParseRetryAfterTest, HugeValuesAreClampedNotOverflowed) {
  const auto week = std::chrono::milliseconds(static_cast<int64_t>(kMaxRetryAfterSeconds * 1000));
  EXPECT_EQ(parse_retry_after("1e30", 0), week);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", 0), week);
  EXPECT_EQ(parse_retry_after("86400", 0), std::chrono::milliseconds(86'400'000));
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 0), week);
}

}  // namespace
}  // namespace tmon::llm
