#include "common/clock.h"

#include <cstdio>
#include <ctime>

namespace tmon {

int64_t SystemClock::epoch_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

ManualClock::ManualClock(int64_t start_epoch_ms)
    : steady_(SteadyTime{} + std::chrono::hours(1)), epoch_start_ms_(start_epoch_ms) {}

SteadyTime ManualClock::now() const {
  std::lock_guard lock(mu_);
  return steady_ + elapsed_;
}

int64_t ManualClock::epoch_ms() const {
  std::lock_guard lock(mu_);
  return epoch_start_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(elapsed_).count();
}

void ManualClock::advance(std::chrono::nanoseconds by) {
  std::lock_guard lock(mu_);
  elapsed_ += by;
}

std::string iso8601_utc(int64_t epoch_ms) {
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(epoch_ms % 1000));
  return text;
}

}  // namespace tmon
