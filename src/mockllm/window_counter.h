#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace tmon::mockllm {

// Requests accepted in a trailing window, and the most ever seen in one: the
// provider's side of the limit, kept independent of tmon's own limiter so
// that it can judge it. A request at t counts in every window (s, s+length]
// that contains t. Not thread-safe.
class WindowCounter {
 public:
  using Clock = std::chrono::steady_clock;  // time points only; tmon::Clock tells the time

  explicit WindowCounter(std::chrono::milliseconds length) : length_(length) {}

  // How many accepted requests are in the window ending now.
  int64_t count(Clock::time_point now);
  void accept(Clock::time_point now);
  int64_t max_seen() const { return max_seen_; }
  // When each request in the window ending now was accepted, oldest first.
  std::vector<Clock::time_point> in_window(Clock::time_point now) const;
  // Accepted in the window (now - 2 × length, now - length]: the window before this one.
  int64_t previous(Clock::time_point now) const;

 private:
  std::chrono::milliseconds length_;
  std::deque<Clock::time_point> accepted_;  // the last two windows' worth
  int64_t max_seen_ = 0;
};

// Tokens counted in a trailing window, and the most ever seen in one (the
// provider's TPM judge).
class TokenWindow {
 public:
  explicit TokenWindow(std::chrono::milliseconds length) : length_(length) {}
  int64_t sum(WindowCounter::Clock::time_point now);
  void add(int64_t tokens, WindowCounter::Clock::time_point now);
  int64_t max_seen() const { return max_seen_; }
  int64_t total() const { return total_; }

 private:
  std::chrono::milliseconds length_;
  std::deque<std::pair<WindowCounter::Clock::time_point, int64_t>> events_;
  int64_t sum_ = 0;
  int64_t max_seen_ = 0;
  int64_t total_ = 0;
};

}  // namespace tmon::mockllm
