#pragma once

// captureTs, including the original Python system's `timestamp` field
// (internal to the codecs).

#include <cstdint>
#include <optional>
#include <string_view>

#include "messages/json_reader.h"

namespace tmon::messages::detail {

// Epoch milliseconds of an ISO-8601 date-time such as
// "2024-05-01T12:00:00.123Z", "2024-05-01 12:00:00" (no zone: UTC) or
// "2024-05-01T12:00:00.123456+08:00". Fractions finer than a millisecond are
// truncated. nullopt when the text is not such a date-time.
std::optional<int64_t> parse_iso8601_ms(std::string_view text);

// Epoch milliseconds of a legacy numeric timestamp: seconds (possibly
// fractional) when below 1e11, else milliseconds. nullopt when out of range.
std::optional<int64_t> legacy_number_to_ms(const Json& number);

// Reads `captureTs` from a message object; when absent, falls back to the
// legacy `frameTimestamp` (epoch seconds), then `timestamp` (number or
// ISO-8601 string). Neither present records
// "captureTs: required field missing".
void read_capture_ts(const JsonReader& message, int64_t* out);

}  // namespace tmon::messages::detail
