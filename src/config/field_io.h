#pragma once

// Reading and rendering of the fields a section declares with
// TMON_CONFIG_FIELDS (config/field_table.h). Internal to tmon_config.

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/secrets.h"
#include "common/url_redaction.h"
#include "config/config.h"
#include "config/field_table.h"
#include "config/scalar.h"
#include "config/yaml_reader.h"
#include "config/yaml_writer.h"

namespace tmon::config {

// A type whose keys are declared with TMON_CONFIG_FIELDS.
template <typename T>
concept HasFields = requires(T& t) {
  T::visit_fields(t, [](auto&&...) {});
};

template <typename Section>
void read_fields(MapReader r, Section& section);
template <typename Section>
void write_fields(Writer& w, const Section& section);

template <typename T, typename C>
void read_field(MapReader& r, std::string_view key, T& out, const C& check) {
  r.read(key, out, check);
}
template <typename T>
void read_field(MapReader& r, std::string_view key, T& out, AnyValue) {
  r.read(key, out);
}
inline void read_field(MapReader& r, std::string_view key, Properties& out, AnyValue) {
  r.read_properties(key, out);
}

// [x, y], both numbers; absent: "expected <what>".
inline void read_field(MapReader& r, std::string_view key, Point2& out, const Required& check) {
  if (!r.has(key)) return r.fail(key, "expected " + check.what);
  std::vector<std::string> texts;
  r.read(key, texts);
  if (r.failed()) return;
  if (texts.size() != 2) return r.fail(key, "expected [x, y]");
  const auto x = parse_double(texts[0]);
  const auto y = parse_double(texts[1]);
  if (!x || !y) return r.fail(key, "expected [x, y] as two numbers");
  out = {*x, *y};
}

// A map of keys with a table of its own.
template <HasFields T>
void read_field(MapReader& r, std::string_view key, T& out, PlainSection) {
  read_fields(r.map(key), out);
}
template <HasFields T>
void read_field(MapReader& r, std::string_view key, T& out, const SectionRule<T>& rule) {
  MapReader section = r.map(key);
  if (rule.before) rule.before(section, out);
  read_fields(section, out);
  if (rule.after && !section.failed()) rule.after(section, out);
}

// A list of maps, one record per item; an error names the item's file:line.
template <HasFields R>
void read_field(MapReader& r, std::string_view key, std::vector<R>& out,
                const RecordsRule<R>& rule) {
  std::vector<R> items;
  const bool present = r.for_each(key, [&](MapReader& item, size_t) {
    R record;
    read_fields(item, record);
    if (item.failed()) return;
    if (rule.check_item) rule.check_item(item, record, items);
    if (!item.failed()) items.push_back(std::move(record));
  });
  if (!present) {
    if (rule.when_absent) out = rule.when_absent();
    return;
  }
  if (r.failed()) return;
  if (rule.exactly > 0 && !items.empty() && items.size() != rule.exactly) {
    return r.fail(key, "expected " + std::to_string(rule.exactly) + " " + rule.what + ", got " +
                           std::to_string(items.size()));
  }
  out = std::move(items);
}

// The index of the first of `before` whose `member` is `value`: a record
// check's "unique" rule ("expected an id not used by cameras[0]").
template <typename R, typename T>
std::optional<size_t> index_of(const std::vector<R>& before, T R::*member, const T& value) {
  for (size_t i = 0; i < before.size(); ++i) {
    if (before[i].*member == value) return i;
  }
  return std::nullopt;
}

// Reads every declared key of `section` from `r`; absent keys keep their
// defaults, a bad value is recorded as "file:line: path.key: expected <check>".
template <typename Section>
void read_fields(MapReader r, Section& section) {
  Section::visit_fields(
      section, [&](std::string_view key, auto& field, const auto& check, Shown shown) {
        read_field(r, key, field, check);
        if constexpr (requires { section.id_is_integer; } &&
                      std::is_same_v<std::decay_t<decltype(field)>, std::string>) {
          if (shown == Shown::kId) {
            section.id_is_integer = r.plain_scalar(key) && is_decimal_integer(field);
          }
        }
      });
}

inline void write_field(Writer& w, std::string_view key, const std::string& v, Shown shown) {
  switch (shown) {
    case Shown::kSecret:
      return w.value(key, mask_secret(v));
    case Shown::kUrl:
      return w.value(key, redact_url_password(v));
    case Shown::kCredentialUrl:
      return w.value(key, mask_url_credentials(v));
    case Shown::kId:  // written as a number unless the record says text (write_fields)
    case Shown::kPlain:
      return w.value(key, v);
  }
}
inline void write_field(Writer& w, std::string_view key, const std::vector<std::string>& v, Shown) {
  w.strings(key, v);
}
inline void write_field(Writer& w, std::string_view key, const Properties& v, Shown) {
  w.properties(key, v);
}
inline void write_field(Writer& w, std::string_view key, const Point2& v, Shown) {
  w.numbers(key, {v.x, v.y});
}
template <HasFields T>
void write_field(Writer& w, std::string_view key, const T& v, Shown) {
  w.begin_map(key);
  write_fields(w, v);
  w.end_map();
}
template <HasFields R>
void write_field(Writer& w, std::string_view key, const std::vector<R>& v, Shown) {
  w.begin_list(key, v.empty());
  for (const R& record : v) {
    w.begin_map();
    write_fields(w, record);
    w.end_map();
  }
  w.end_list();
}
template <typename T>
requires(!HasFields<T>) void write_field(Writer& w, std::string_view key, const T& v, Shown) {
  w.value(key, v);
}

// Writes every declared key of `section`, in declaration order.
template <typename Section>
void write_fields(Writer& w, const Section& section) {
  Section::visit_fields(
      section, [&](std::string_view key, const auto& field, const auto&, Shown shown) {
        if constexpr (requires { section.id_is_integer; } &&
                      std::is_same_v<std::decay_t<decltype(field)>, std::string>) {
          // A text id that looks like a number stays text when read back.
          if (shown == Shown::kId && !section.id_is_integer && is_decimal_integer(field)) {
            return w.quoted(key, field);
          }
        }
        write_field(w, key, field, shown);
      });
}

}  // namespace tmon::config
