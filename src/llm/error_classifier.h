#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "llm/chat.h"

namespace tmon::llm {

// Classifies a non-2xx provider response in one place. DashScope's compatible
// mode and OpenAI-style APIs both answer {"error":{"code","type","message"}};
// the code tells a rate limit from an exhausted quota when both are 429.
CallError classify_http_error(int status, std::string_view body,
                              std::optional<std::chrono::milliseconds> retry_after);

// The longest Retry-After parse_retry_after() returns (a week): bounds the
// arithmetic; the scheduler then caps a rest at its max_cooldown.
inline constexpr double kMaxRetryAfterSeconds = 7 * 24 * 3600;

// Parses a Retry-After header: delta-seconds (fractions allowed) or an
// HTTP-date relative to now_epoch_ms, at most kMaxRetryAfterSeconds. nullopt
// when absent, unparseable, negative or not finite.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           int64_t now_epoch_ms);

}  // namespace tmon::llm
