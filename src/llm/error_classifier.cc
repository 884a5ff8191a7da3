#include "llm/error_classifier.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "common/text.h"

namespace tmon::llm {

std::string_view to_string(CallErrorKind kind) {
  switch (kind) {
    case CallErrorKind::kRateLimited:
      return "rate_limited";
    case CallErrorKind::kQuotaThrottled:
      return "quota_throttled";
    case CallErrorKind::kAuthFailed:
      return "auth_failed";
    case CallErrorKind::kQuotaExhausted:
      return "quota_exhausted";
    case CallErrorKind::kBadRequest:
      return "bad_request";
    case CallErrorKind::kServerError:
      return "server_error";
    case CallErrorKind::kTimeout:
      return "timeout";
    case CallErrorKind::kConnection:
      return "connection";
    case CallErrorKind::kBadResponse:
      return "bad_response";
  }
  return "unknown";
}

std::string_view to_string(Throttle throttle) {
  switch (throttle) {
    case Throttle::kNone:
      return "none";
    case Throttle::kRequests:
      return "requests";
    case Throttle::kBurst:
      return "burst";
    case Throttle::kTokens:
      return "tokens";
    case Throttle::kUnknown:
      return "unknown";
  }
  return "unknown";
}

namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// What a provider's error code (and, where codes are shared, its message)
// asks of the scheduler. DashScope answers in two dialects: the
// OpenAI-compatible codes (limit_requests, insufficient_quota, ...) and its
// native ones (Throttling.RateQuota, Arrearage, ...). Its
// `insufficient_quota` / `Throttling.AllocationQuota` ("Allocated quota
// exceeded") is usually the temporary tokens-per-minute limit, not an empty
// balance; only billing codes and "Free allocated quota exceeded" last.
struct CodeMeaning {
  std::optional<CallErrorKind> kind;  // nullopt: decide by HTTP status
  Throttle throttle = Throttle::kNone;
};

CodeMeaning meaning_of(const std::string& code, const std::string& message) {
  const std::string c = ascii_lower(code);
  const std::string m = ascii_lower(message);
  // Lasting: nothing but paying, subscribing or a new period helps.
  if (c == "arrearage" || c == "prepaidbilloverdue" || c == "postpaidbilloverdue" ||
      c == "commoditynotpurchased" || c == "billing_hard_limit_reached" ||
      c == "allocationquota.freetieronly" || contains(m, "free allocated quota exceeded") ||
      contains(m, "free tier")) {
    return {CallErrorKind::kQuotaExhausted, Throttle::kNone};
  }
  if (c == "limit_burst_rate" || c == "throttling.burstrate" ||
      contains(m, "rate increased too quickly")) {
    return {CallErrorKind::kRateLimited, Throttle::kBurst};
  }
  if (c == "insufficient_quota" || c == "throttling.allocationquota" || c == "limit_tokens" ||
      contains(m, "allocated quota exceeded")) {
    return {CallErrorKind::kQuotaThrottled, Throttle::kTokens};
  }
  if (c == "limit_requests" || c == "throttling.ratequota" || c == "rate_limit_exceeded") {
    return {CallErrorKind::kRateLimited, Throttle::kRequests};
  }
  if (c == "invalid_api_key" || c == "invalidapikey" || c == "accessdenied" ||
      c == "accessdenied.unpurchased" || c == "model.accessdenied") {
    return {CallErrorKind::kAuthFailed, Throttle::kNone};
  }
  return {};
}

}  // namespace

CallError classify_http_error(int status, std::string_view body,
                              std::optional<std::chrono::milliseconds> retry_after) {
  CallError error;
  error.http_status = status;
  error.retry_after = retry_after;
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object()) {
    // OpenAI-compatible: {"error":{"code","type","message"}}; DashScope's
    // native API: {"code","message","request_id"} at the top.
    const auto& detail = json.contains("error") && json["error"].is_object() ? json["error"] : json;
    if (detail.contains("code") && detail["code"].is_string()) {
      error.provider_code = detail["code"].get<std::string>();
    } else if (detail.contains("type") && detail["type"].is_string()) {
      error.provider_code = detail["type"].get<std::string>();
    }
    if (detail.contains("message") && detail["message"].is_string()) {
      error.message = detail["message"].get<std::string>();
    }
  }
  if (error.message.empty()) error.message = "HTTP " + std::to_string(status);

  const CodeMeaning meaning = meaning_of(error.provider_code, error.message);
  if (meaning.kind) {
    error.kind = *meaning.kind;
    error.throttle = meaning.throttle;
  } else if (status == 429) {
    // An unknown 429 is a throttle we do not understand: cool, do not disable.
    error.kind = CallErrorKind::kRateLimited;
    error.throttle = Throttle::kUnknown;
  } else if (status == 401 || status == 403) {
    error.kind = CallErrorKind::kAuthFailed;
  } else if (status == 408) {
    error.kind = CallErrorKind::kTimeout;
  } else if (status >= 500) {
    error.kind = CallErrorKind::kServerError;
  } else {
    error.kind = CallErrorKind::kBadRequest;
  }
  return error;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           int64_t now_epoch_ms) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  double seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc{} && end == value.data() + value.size()) {
    // from_chars also reads "nan" and "inf"; neither is a delay.
    if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
    // Clamped before the cast (1e30 s would overflow int64 ms: UB); the
    // scheduler caps the rest at max_cooldown anyway.
    return std::chrono::milliseconds(
        static_cast<int64_t>(std::min(seconds, kMaxRetryAfterSeconds) * 1000));
  }
  // HTTP-date, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  const std::string text(value);
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!parsed || *parsed != '\0') return std::nullopt;
  const int64_t at_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  const auto max_ms = static_cast<int64_t>(kMaxRetryAfterSeconds * 1000);
  return std::chrono::milliseconds(std::clamp<int64_t>(at_ms - now_epoch_ms, 0, max_ms));
}

}  // namespace tmon::llm
