#pragma once

// The writer behind `tmon config show`: YAML with one call per "key: value".
// Internal to tmon_config.

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/secrets.h"
#include "config/scalar.h"

namespace tmon::config {

// True for a librdkafka property name that may carry a credential.
bool is_secret_property(std::string name);

// YAML::Emitter with one call per "key: value", so the section writers below
// read like the files they mirror.
class Writer {
 public:
  void value(std::string_view name, const std::string& v) { key(name) << v; }
  void value(std::string_view name, const char* v) { key(name) << v; }  // not the bool overload
  void quoted(std::string_view name, const std::string& v) { key(name) << YAML::DoubleQuoted << v; }
  void value(std::string_view name, int v) { key(name) << v; }
  void value(std::string_view name, int64_t v) { key(name) << v; }
  void value(std::string_view name, bool v) { key(name) << v; }
  // The emitter prints 0.1 as 0.10000000000000001; the shortest form reads back the same.
  void value(std::string_view name, double v) { key(name) << format_number(v); }

  void begin_map(std::string_view name) { key(name) << YAML::BeginMap; }
  void begin_map() { out_ << YAML::BeginMap; }
  void end_map() { out_ << YAML::EndMap; }
  void begin_list(std::string_view name, bool empty) {
    key(name);
    if (empty) out_ << YAML::Flow;  // "[]" on the key's line
    out_ << YAML::BeginSeq;
  }
  void end_list() { out_ << YAML::EndSeq; }
  void numbers(std::string_view name, const std::vector<double>& items) {
    key(name) << YAML::Flow << YAML::BeginSeq;
    for (const double item : items) out_ << format_number(item);
    out_ << YAML::EndSeq;
  }
  void strings(std::string_view name, const std::vector<std::string>& items) {
    key(name) << YAML::Flow << YAML::BeginSeq;
    for (const auto& item : items) out_ << item;
    out_ << YAML::EndSeq;
  }

  void properties(std::string_view name, const std::map<std::string, std::string>& props) {
    key(name);
    if (props.empty()) out_ << YAML::Flow;
    out_ << YAML::BeginMap;
    for (const auto& [property, v] : props) {
      value(property, is_secret_property(property) ? mask_secret(v) : v);
    }
    out_ << YAML::EndMap;
  }

  std::string text() const { return out_.c_str(); }

 private:
  YAML::Emitter& key(std::string_view name) {
    return out_ << YAML::Key << std::string(name) << YAML::Value;
  }

  YAML::Emitter out_;
};

}  // namespace tmon::config
