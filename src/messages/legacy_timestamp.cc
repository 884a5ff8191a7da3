#include "messages/legacy_timestamp.h"

#include <chrono>
#include <cmath>
#include <limits>

namespace tmon::messages::detail {
namespace {

// Below this a legacy number is seconds: 1e11 s is the year 5138, while 1e11
// ms is only March 1973, long before any camera of this system recorded.
constexpr double kSecondsBelow = 1e11;

// Consumes exactly `digits` decimal digits from the front of `text`.
bool take_digits(std::string_view& text, size_t digits, int* out) {
  if (text.size() < digits) return false;
  int value = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  text.remove_prefix(digits);
  *out = value;
  return true;
}

bool take_char(std::string_view& text, char expected) {
  if (text.empty() || text.front() != expected) return false;
  text.remove_prefix(1);
  return true;
}

// Parses "", "Z", "+HH", "+HH:MM" or "+HHMM" (and '-') into minutes east of UTC.
bool parse_zone(std::string_view text, int* offset_minutes) {
  *offset_minutes = 0;
  if (text.empty() || text == "Z" || text == "z") return true;
  const char sign = text.front();
  if (sign != '+' && sign != '-') return false;
  text.remove_prefix(1);
  int hours = 0;
  int minutes = 0;
  if (!take_digits(text, 2, &hours)) return false;
  if (!text.empty()) {
    take_char(text, ':');
    if (!take_digits(text, 2, &minutes) || !text.empty()) return false;
  }
  if (hours > 23 || minutes > 59) return false;
  *offset_minutes = (sign == '+' ? 1 : -1) * (hours * 60 + minutes);
  return true;
}

}  // namespace

std::optional<int64_t> parse_iso8601_ms(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!take_digits(text, 4, &year) || !take_char(text, '-') || !take_digits(text, 2, &month) ||
      !take_char(text, '-') || !take_digits(text, 2, &day)) {
    return std::nullopt;
  }
  // Python's str(datetime) uses a space where isoformat() uses 'T'.
  if (!take_char(text, 'T') && !take_char(text, 't') && !take_char(text, ' ')) {
    return std::nullopt;
  }
  if (!take_digits(text, 2, &hour) || !take_char(text, ':') || !take_digits(text, 2, &minute) ||
      !take_char(text, ':') || !take_digits(text, 2, &second)) {
    return std::nullopt;
  }
  int millis = 0;
  if (take_char(text, '.')) {
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[digits] - '0');
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 3; ++i) millis *= 10;  // ".1" is 100 ms
    text.remove_prefix(digits);
  }
  int offset_minutes = 0;
  if (!parse_zone(text, &offset_minutes)) return std::nullopt;

  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                            std::chrono::day{unsigned(day)}};
  // A leap second (:60) is not representable in Unix time; reject it rather
  // than silently shifting into the next minute.
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const auto local = sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
  const auto utc = local - minutes{offset_minutes};
  return duration_cast<milliseconds>(utc.time_since_epoch()).count() + millis;
}

std::optional<int64_t> legacy_number_to_ms(const Json& number) {
  if (number.is_number_integer()) {
    if (number.is_number_unsigned() &&
        number.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    const auto value = number.get<int64_t>();
    if (static_cast<double>(value) >= kSecondsBelow) return value;
    if (value < std::numeric_limits<int64_t>::min() / 1000) return std::nullopt;
    return value * 1000;
  }
  if (!number.is_number_float()) return std::nullopt;
  const double value = number.get<double>();
  const double millis = value < kSecondsBelow ? value * 1000.0 : value;
  // 2^63, the int64 range, is exactly representable as a double.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(millis) || millis >= kLimit || millis < -kLimit) return std::nullopt;
  // Rounding, not truncation: 1714564800.123 * 1000 may be ...122.99999.
  return std::llround(millis);
}

void read_capture_ts(const JsonReader& message, int64_t* out) {
  const JsonReader capture_ts = message.field("captureTs");
  if (capture_ts.present()) {
    capture_ts.get(out);
    return;
  }
  // The original's detection producer also sends `frameTimestamp`, epoch
  // seconds with a fraction: more precise than its ISO `timestamp`.
  const JsonReader frame_timestamp = message.field("frameTimestamp");
  if (frame_timestamp.present() && frame_timestamp.json().is_number()) {
    if (const auto ms = legacy_number_to_ms(frame_timestamp.json())) {
      *out = *ms;
      return;
    }
  }
  // The original system sent only `timestamp`, as epoch seconds or ms or as
  // an ISO-8601 string depending on the producer.
  const JsonReader timestamp = message.field("timestamp");
  if (!timestamp.present()) {
    capture_ts.require();
    return;
  }
  const Json& value = timestamp.json();
  if (value.is_number()) {
    if (const auto ms = legacy_number_to_ms(value)) {
      *out = *ms;
    } else {
      timestamp.fail("out of range");
    }
  } else if (value.is_string()) {
    if (const auto ms = parse_iso8601_ms(value.get_ref<const std::string&>())) {
      *out = *ms;
    } else {
      timestamp.fail("expected an ISO-8601 date-time");
    }
  } else {
    timestamp.fail(std::string("expected a number or an ISO-8601 string, got ") +
                   value.type_name());
  }
}

}  // namespace tmon::messages::detail
