#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include "common/clock.h"

namespace tmon::schedule {

// Weighted events in a trailing time window: "at most `limit` requests (or
// tokens) in any `window`". An exact sliding log rather than a token bucket or
// GCRA: providers (and tmon mock-llm) judge sliding windows, and a bucket
// with a burst of N admits up to 2N-1 requests in some 1-second window,
// which is exactly the 429 we must never cause. Memory is one entry per
// admitted event inside the window (600 for a 600-per-minute limit).
//
// Pure logic: time comes in as `now`. Not thread-safe.
class SlidingWindow {
 public:
  SlidingWindow(int64_t limit, Millis window);

  // How long until `weight` more fits; zero when it fits now. An event
  // heavier than the whole limit fits only into an empty window, so an
  // oversized request waits its turn instead of blocking forever.
  Millis wait_for(int64_t weight, SteadyTime now);
  // Records an admitted event (or, for tokens, usage found out later).
  void add(int64_t weight, SteadyTime now);

  // New limit and length; admitted events keep counting (a config reload
  // must not forget the last minute's calls and burst past the provider).
  void reset_limit(int64_t limit, Millis window);

  int64_t used(SteadyTime now);
  int64_t limit() const { return limit_; }
  Millis window() const { return window_; }

 private:
  void evict(SteadyTime now);

  int64_t limit_;
  Millis window_;
  std::deque<std::pair<SteadyTime, int64_t>> events_;  // oldest first
  int64_t sum_ = 0;
};

}  // namespace tmon::schedule
