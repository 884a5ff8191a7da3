#pragma once

#include <chrono>
#include <cstdint>
#include <deque>

namespace tmon::mockllm {

// Requests accepted in a trailing window, and the most ever seen in one: the
// provider's side of the limit, kept independent of tmon's own limiter so
// that it can judge it. A request at t counts in every window (s, s+length]
// that contains t. Not thread-safe.
class WindowCounter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WindowCounter(std::chrono::milliseconds length) : length_(length) {}

  // How many accepted requests are in the window ending now.
  int64_t count(Clock::time_point now);
  void accept(Clock::time_point now);
  int64_t max_seen() const { return max_seen_; }

 private:
  std::chrono::milliseconds length_;
  std::deque<Clock::time_point> accepted_;
  int64_t max_seen_ = 0;
};

}  // namespace tmon::mockllm
