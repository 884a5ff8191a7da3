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
// kUrl (password redacted), kCredentialUrl (user and password masked), kId
// (a record id, quoted when it looks like a number but was written as text).
// Adding a key is adding its line.
//
// Columns: X(type, name, default, check, shown). A default or type with a
// top-level comma goes in parentheses: (std::vector<std::string>{"a", "b"}).
//
// A member may itself be a table: a map (`X(RedisConfig, redis, {},
// section(), kPlain)`) or a list of maps, one record per item
// (`X(std::vector<CameraConfig>, cameras, {}, records(check_camera), kPlain)`).
// Their check column names the code that relates keys to each other (a
// section's cross-field rule, a record's required or unique keys), defined in
// the read_*.cc of its file; only such rules spell key names outside a table.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "config/checks.h"

namespace tmon::config {

class MapReader;

// How `tmon config show` prints a value.
enum class Shown { kPlain, kSecret, kUrl, kCredentialUrl, kId };
inline constexpr Shown kPlain = Shown::kPlain;
inline constexpr Shown kSecret = Shown::kSecret;                // mask_secret: never on a terminal
inline constexpr Shown kUrl = Shown::kUrl;                      // the URL without its password
inline constexpr Shown kCredentialUrl = Shown::kCredentialUrl;  // mask_url_credentials
// A record's id that may be written as a number (`id: 3`); the record's
// id_is_integer remembers which, so `id: "3"` is shown quoted again.
inline constexpr Shown kId = Shown::kId;

// The check of a key any value of its type is good for.
struct AnyValue {};
inline AnyValue anything() {
  return {};
}

// The check of a key that must be present: "expected <what>" when absent.
struct Required {
  std::string what;
};
inline Required required(std::string what) {
  return {std::move(what)};
}

// The check of a member that is a table itself (a map of keys). `before`
// reads older names of its keys (before the table, so the current name
// wins); `after` checks keys against each other once all are read.
template <typename T>
struct SectionRule {
  void (*before)(MapReader& r, T& section) = nullptr;
  void (*after)(MapReader& r, T& section) = nullptr;
};
struct PlainSection {};
inline PlainSection section() {
  return {};
}
template <typename T>
SectionRule<T> section(void (*after)(MapReader& r, T& section)) {
  return {nullptr, after};
}
template <typename T>
SectionRule<T> with_aliases(void (*before)(MapReader& r, T& section)) {
  return {before, nullptr};
}

// The check of a list of records, each read with its type's table. After an
// item reads cleanly, check_item may fail it (required or unique keys, with
// the item's file:line) or adjust it; `before` holds the items already read.
// A list absent from the file means when_absent() when given. With exactly,
// a non-empty list must have that many items ("expected <exactly> <what>").
template <typename R>
struct RecordsRule {
  void (*check_item)(MapReader& item, R& record, const std::vector<R>& before) = nullptr;
  std::vector<R> (*when_absent)() = nullptr;
  size_t exactly = 0;
  const char* what = "";
};
template <typename R>
RecordsRule<R> records(void (*check_item)(MapReader&, R&, const std::vector<R>&) = nullptr,
                       std::vector<R> (*when_absent)() = nullptr) {
  return {check_item, when_absent};
}
template <typename R>
RecordsRule<R> exactly(size_t count, const char* what) {
  return {nullptr, nullptr, count, what};
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
