#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tmon::config {

// Strict conversions of an (already env-expanded) scalar. The whole text must
// be the value: "10s" or " 10" is not 10, so a unit typed into a number field
// fails instead of being silently truncated.

std::optional<int64_t> parse_int64(std::string_view text);  // decimal, optional sign
std::optional<int> parse_int(std::string_view text);        // as above, within int
// A canonical decimal integer, as a number reads back as text: "3", "-12";
// not "03", "+3" or "3.0".
bool is_decimal_integer(std::string_view text);
std::optional<double> parse_double(std::string_view text);  // finite only
// true/false, and YAML 1.1's yes/no/on/off, in lower, Title or UPPER case.
std::optional<bool> parse_bool(std::string_view text);

// Shortest text that reads back as the same double: "0.1", not
// "0.10000000000000001"; whole numbers without a fraction ("60").
std::string format_number(double value);

}  // namespace tmon::config
