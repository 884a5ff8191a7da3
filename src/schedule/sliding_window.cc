#include "schedule/sliding_window.h"

#include <algorithm>

namespace tmon::schedule {

SlidingWindow::SlidingWindow(int64_t limit, Millis window, Millis retention_slack)
    : limit_(limit), window_(window), slack_(retention_slack) {}

void SlidingWindow::evict(SteadyTime now) {
  while (!events_.empty() && events_.front().at + window_ + slack_ <= now) events_.pop_front();
}

int64_t SlidingWindow::used(SteadyTime now) {
  evict(now);
  int64_t sum = 0;
  // Newest first: stop at the first event past the window (times are ordered).
  for (auto it = events_.rbegin(); it != events_.rend() && in_window(*it, now); ++it) {
    sum += it->weight;
  }
  return sum;
}

Millis SlidingWindow::wait_for(int64_t weight, SteadyTime now) {
  const int64_t sum = used(now);
  if (sum <= 0 || sum + weight <= limit_) return Millis(0);
  // Walk the oldest events in the window until enough weight would have left.
  int64_t freed = 0;
  const int64_t must_free = sum + std::min(weight, limit_) - limit_;
  for (const Event& event : events_) {
    if (!in_window(event, now)) continue;
    freed += event.weight;
    if (freed >= must_free) return std::chrono::ceil<Millis>(event.at + window_ - now);
  }
  return std::chrono::ceil<Millis>(events_.back().at + window_ - now);
}

uint64_t SlidingWindow::add(int64_t weight, SteadyTime now) {
  evict(now);
  // Times only move forward here; a clock that stepped back files the event
  // at the newest time so the log stays ordered.
  const SteadyTime at = events_.empty() ? now : std::max(now, events_.back().at);
  events_.push_back({at, weight, next_id_});
  return next_id_++;
}

bool SlidingWindow::correct(uint64_t id, int64_t weight) {
  // Corrections come a call's latency after the charge: search from the newest.
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (it->id == id) {
      it->weight = std::max<int64_t>(0, weight);
      return true;
    }
    if (it->id < id) break;
  }
  return false;
}

void SlidingWindow::reset_limit(int64_t limit, Millis window) {
  limit_ = limit;
  window_ = window;
}

}  // namespace tmon::schedule
