#include "llm/error_classifier.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

namespace tmon::llm {

std::string_view to_string(CallErrorKind kind) {
  switch (kind) {
    case CallErrorKind::kRateLimited:
      return "rate_limited";
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

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Codes that mean "no more requests until someone pays or a period resets",
// whatever the status: retrying or cooling down does not help.
bool is_quota_code(const std::string& code) {
  const std::string c = lower(code);
  return c == "arrearage" || c == "insufficient_quota" || c == "billing_hard_limit_reached" ||
         (c.find("quota") != std::string::npos && c.find("throttling") == std::string::npos);
}

}  // namespace

CallError classify_http_error(int status, std::string_view body,
                              std::optional<std::chrono::milliseconds> retry_after) {
  CallError error;
  error.http_status = status;
  error.retry_after = retry_after;
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("error") && json["error"].is_object()) {
    const auto& detail = json["error"];
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

  if (is_quota_code(error.provider_code)) {
    error.kind = CallErrorKind::kQuotaExhausted;
  } else if (status == 429) {
    error.kind = CallErrorKind::kRateLimited;
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
    if (seconds < 0) return std::nullopt;
    return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  }
  // HTTP-date, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  const std::string text(value);
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!parsed || *parsed != '\0') return std::nullopt;
  const int64_t at_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  return std::chrono::milliseconds(std::max<int64_t>(0, at_ms - now_epoch_ms));
}

}  // namespace tmon::llm
