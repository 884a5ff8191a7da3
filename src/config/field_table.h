#pragma once

// Config fields declared once. A section lists its keys in one macro, one
// line per key:
//
//   #define TMON_REDIS_FIELDS(X) <backslash>
//     X(std::string, url, "redis://127.0.0.1:6379/0", anything(), kUrl) <backslash>
//     X(int, timeout_ms, 2000, int_at_least(1), kPlain)
//   struct RedisConfig { TMON_CONFIG_FIELDS(TMON_REDIS_FIELDS) };
//
// and that line is the member and its default (the struct), the YAML key (the
// member's name), the check whose words finish "expected ..." in a bad
// file's message (read_fields, config/field_io.h), and how
// `tmon config show` prints it (write_fields): kPlain, kSecret (masked),
// kUrl (password redacted). Adding a key is adding its line.
//
// Columns: X(type, name, default, check, shown). A default or type with a
// top-level comma goes in parentheses: (std::vector<std::string>{"a", "b"}).
// Keys that are not one scalar or string list (lists of maps, renamed or
// derived keys, cross-field rules) stay hand-written in read_*.cc and render.cc.

#include <map>
#include <string>

#include "config/checks.h"

namespace tmon::config {

// How `tmon config show` prints a value.
enum class Shown { kPlain, kSecret, kUrl };
inline constexpr Shown kPlain = Shown::kPlain;
inline constexpr Shown kSecret = Shown::kSecret;  // mask_secret: never on a terminal
inline constexpr Shown kUrl = Shown::kUrl;        // the URL without its password

// The check of a key any value of its type is good for.
struct AnyValue {};
inline AnyValue anything() {
  return {};
}

// librdkafka-style free-form properties (a name without a comma for the macros).
using Properties = std::map<std::string, std::string>;

}  // namespace tmon::config

#define TMON_CONFIG_DECLARE_FIELD(type, name, default_value, check, shown) \
  type name = default_value;
#define TMON_CONFIG_VISIT_FIELD(type, name, default_value, check, shown) \
  visit(#name, self.name, check, shown);

// Inside a struct: its members, and visit_fields(self, visit), which calls
// visit(key, member, check, shown) for each in order.
#define TMON_CONFIG_FIELDS(FIELDS)                        \
  FIELDS(TMON_CONFIG_DECLARE_FIELD)                       \
  template <typename Self, typename Visitor>              \
  static void visit_fields(Self& self, Visitor&& visit) { \
    using namespace ::tmon::config;                       \
    FIELDS(TMON_CONFIG_VISIT_FIELD)                       \
  }
