#include "schedule/sliding_window.h"

#include <algorithm>

namespace tmon::schedule {

SlidingWindow::SlidingWindow(int64_t limit, Millis window) : limit_(limit), window_(window) {}

void SlidingWindow::evict(SteadyTime now) {
  // An event at t counts while now < t + window: the window is (now - window, now].
  while (!events_.empty() && events_.front().first + window_ <= now) {
    sum_ -= events_.front().second;
    events_.pop_front();
  }
}

Millis SlidingWindow::wait_for(int64_t weight, SteadyTime now) {
  evict(now);
  if (events_.empty() || sum_ + weight <= limit_) return Millis(0);
  // Walk the oldest events until enough weight would have left the window.
  int64_t freed = 0;
  const int64_t must_free = sum_ + std::min(weight, limit_) - limit_;
  for (const auto& [at, w] : events_) {
    freed += w;
    if (freed >= must_free) {
      return std::chrono::ceil<Millis>(at + window_ - now);
    }
  }
  return std::chrono::ceil<Millis>(events_.back().first + window_ - now);
}

void SlidingWindow::add(int64_t weight, SteadyTime now) {
  evict(now);
  events_.emplace_back(now, weight);
  sum_ += weight;
}

void SlidingWindow::reset_limit(int64_t limit, Millis window) {
  limit_ = limit;
  window_ = window;
}

int64_t SlidingWindow::used(SteadyTime now) {
  evict(now);
  return sum_;
}

}  // namespace tmon::schedule
