#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>

namespace tmon::config {

// A constraint on a converted value plus the words that finish the sentence
// "expected ..." when it is violated, so every range error reads the same.
template <typename T>
struct Check {
  std::function<bool(const T&)> ok;
  std::string expected;  // e.g. "an integer >= 1"
};

Check<int64_t> int_at_least(int64_t min);              // "an integer >= min"
Check<int64_t> int_between(int64_t min, int64_t max);  // "an integer min..max"
Check<int64_t> port();                                 // "a port 0..65535"; 0 = any free port
Check<int64_t> retention();                            // Kafka: > 0, or -1 for unlimited
Check<double> number_above(double min);                // "a number > min"
Check<double> number_at_least(double min);             // "a number >= min"
Check<double> number_between(double min, double max);  // "a number min..max", inclusive
Check<std::string> one_of(std::initializer_list<const char*> allowed);
Check<std::string> non_empty(std::string what);  // "a non-empty <what>"

// A detector tmon has (messages::kDetectorNames, the one list); with
// `or_default`, "" too (the configured default detector).
Check<std::string> detector_name(bool or_default);

// Object classes the detectors know: COCO names as COCO spells them.
Check<std::string> coco_class();

// Log levels tmon::configure_logging understands (spdlog's names).
Check<std::string> log_level();

}  // namespace tmon::config
