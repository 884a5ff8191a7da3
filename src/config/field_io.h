#pragma once

// Reading and rendering of the fields a section declares with
// TMON_CONFIG_FIELDS (config/field_table.h). Internal to tmon_config.

#include <string>
#include <string_view>
#include <vector>

#include "common/secrets.h"
#include "common/url_redaction.h"
#include "config/field_table.h"
#include "config/yaml_reader.h"
#include "config/yaml_writer.h"

namespace tmon::config {

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

// Reads every declared key of `section` from `r`; absent keys keep their
// defaults, a bad value is recorded as "file:line: path.key: expected <check>".
template <typename Section>
void read_fields(MapReader r, Section& section) {
  Section::visit_fields(section, [&r](std::string_view key, auto& field, const auto& check, Shown) {
    read_field(r, key, field, check);
  });
}

inline void write_field(Writer& w, std::string_view key, const std::string& v, Shown shown) {
  switch (shown) {
    case Shown::kSecret:
      return w.value(key, mask_secret(v));
    case Shown::kUrl:
      return w.value(key, redact_url_password(v));
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
template <typename T>
void write_field(Writer& w, std::string_view key, const T& v, Shown) {
  w.value(key, v);
}

// Writes every declared key of `section`, in declaration order.
template <typename Section>
void write_fields(Writer& w, const Section& section) {
  Section::visit_fields(section, [&w](std::string_view key, const auto& field, const auto&,
                                      Shown shown) { write_field(w, key, field, shown); });
}

}  // namespace tmon::config
