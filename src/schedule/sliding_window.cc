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

void SlidingWindow::insert_ordered(Event event) {
  // Nearly always at the back: only a delayed event can be newer than now.
  auto it = events_.end();
  while (it != events_.begin() && std::prev(it)->at > event.at) --it;
  events_.insert(it, event);
}

uint64_t SlidingWindow::add(int64_t weight, SteadyTime now) {
  evict(now);
  insert_ordered({now, weight, next_id_});
  return next_id_++;
}

bool SlidingWindow::delay(uint64_t id, Millis by) {
  if (by <= Millis(0)) return false;
  // Delays come a few milliseconds after the permit: search from the newest.
  for (auto it = events_.end(); it != events_.begin();) {
    --it;
    if (it->id != id) continue;
    Event moved = *it;
    moved.at += by;
    events_.erase(it);
    insert_ordered(moved);
    return true;
  }
  return false;
}

bool SlidingWindow::correct(uint64_t id, int64_t weight) {
  // Corrections come a call's latency after the charge: search from the newest
  // (to the oldest: a delayed event is out of id order).
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (it->id == id) {
      it->weight = std::max<int64_t>(0, weight);
      return true;
    }
  }
  return false;
}

void SlidingWindow::reset_limit(int64_t limit, Millis window) {
  limit_ = limit;
  window_ = window;
}

}  // namespace tmon::schedule
