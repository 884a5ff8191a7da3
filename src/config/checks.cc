#include "config/checks.h"

#include <algorithm>
#include <vector>

#include "config/scalar.h"
#include "messages/coco.h"
#include "messages/detector_names.h"

namespace tmon::config {

Check<int64_t> int_at_least(int64_t min) {
  return {[min](const int64_t& v) { return v >= min; }, "an integer >= " + std::to_string(min)};
}

Check<int64_t> int_between(int64_t min, int64_t max) {
  return {[min, max](const int64_t& v) { return v >= min && v <= max; },
          "an integer " + std::to_string(min) + ".." + std::to_string(max)};
}

Check<int64_t> port() {
  return {[](const int64_t& v) { return v >= 0 && v <= 65535; }, "a port 0..65535"};
}

Check<int64_t> retention() {
  return {[](const int64_t& v) { return v > 0 || v == -1; },
          "a duration in ms > 0, or -1 for unlimited"};
}

Check<double> number_above(double min) {
  return {[min](const double& v) { return v > min; }, "a number > " + format_number(min)};
}

Check<double> number_at_least(double min) {
  return {[min](const double& v) { return v >= min; }, "a number >= " + format_number(min)};
}

Check<double> number_between(double min, double max) {
  return {[min, max](const double& v) { return v >= min && v <= max; },
          "a number " + format_number(min) + ".." + format_number(max)};
}

Check<std::string> one_of(std::initializer_list<const char*> allowed) {
  std::vector<std::string> values(allowed.begin(), allowed.end());
  std::string expected = "one of ";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) expected += ", ";
    expected += values[i].empty() ? "\"\"" : values[i];
  }
  return {[values = std::move(values)](const std::string& v) {
            return std::find(values.begin(), values.end(), v) != values.end();
          },
          std::move(expected)};
}

Check<std::string> non_empty(std::string what) {
  return {[](const std::string& v) { return !v.empty(); }, "a non-empty " + what};
}

Check<std::string> detector_name(bool or_default) {
  return {[or_default](const std::string& name) {
            return (or_default && name.empty()) || messages::is_detector_name(name);
          },
          std::string(or_default ? "\"\" (the default), " : "") + messages::detector_names_text()};
}

Check<std::string> coco_class() {
  return {[](const std::string& name) { return messages::coco_index(name) >= 0; },
          "a COCO class name (e.g. \"car\", \"traffic light\")"};
}

Check<std::string> log_level() {
  // "warning" and "warn" both map to spdlog's warn level.
  return one_of({"trace", "debug", "info", "warn", "warning", "error", "critical", "off"});
}

}  // namespace tmon::config
