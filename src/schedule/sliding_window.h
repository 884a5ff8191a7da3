#pragma once

#include <cstdint>
#include <deque>

#include "common/clock.h"

namespace tmon::schedule {

// Weighted events in a trailing time window: "at most `limit` requests (or
// tokens) in any `window`". An exact sliding log rather than a token bucket or
// GCRA: providers (and tmon mock-llm) judge sliding windows, and a bucket
// with a burst of N admits up to 2N-1 requests in some 1-second window,
// which is exactly the 429 we must never cause. Memory is one entry per
// admitted event inside the window (600 for a 600-per-minute limit).
//
// The window may grow and shrink at run time (the adaptive margin): events
// are kept `retention_slack` past the window, so a window that grows again
// still sees them.
//
// Pure logic: time comes in as `now`. Not thread-safe.
class SlidingWindow {
 public:
  SlidingWindow(int64_t limit, Millis window, Millis retention_slack = Millis(1000));

  // How long until `weight` more fits; zero when it fits now. An event
  // heavier than the whole limit fits only into an empty window, so an
  // oversized request waits its turn instead of blocking forever.
  Millis wait_for(int64_t weight, SteadyTime now);
  // Records an admitted event; returns its id for correct() and delay().
  uint64_t add(int64_t weight, SteadyTime now);
  // Moves event `id` `by` later (the request reached the provider that much
  // after its permit: it counts there from then). False when the event has
  // left the window.
  bool delay(uint64_t id, Millis by);
  // Replaces the weight of event `id` (tokens charged at acquire, corrected
  // with the usage the reply reports; lower is a refund). The event keeps its
  // time. False when the event has left the window (nothing to correct).
  bool correct(uint64_t id, int64_t weight);

  // New limit and length; admitted events keep counting (a config reload
  // must not forget the last minute's calls and burst past the provider).
  void reset_limit(int64_t limit, Millis window);

  int64_t used(SteadyTime now);
  int64_t limit() const { return limit_; }
  Millis window() const { return window_; }

 private:
  struct Event {
    SteadyTime at;
    int64_t weight;
    uint64_t id;
  };
  void evict(SteadyTime now);
  // An event at t counts while now < t + window: the window is (now - window, now].
  bool in_window(const Event& event, SteadyTime now) const { return event.at + window_ > now; }

  int64_t limit_;
  Millis window_;
  Millis slack_;
  // Inserts keeping the log ordered by time (a delayed event may be newer
  // than events admitted after it).
  void insert_ordered(Event event);

  std::deque<Event> events_;  // oldest first; some may be past the window, within the slack
  uint64_t next_id_ = 1;
};

}  // namespace tmon::schedule
