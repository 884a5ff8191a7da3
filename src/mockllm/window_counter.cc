#include "mockllm/window_counter.h"

#include <algorithm>

namespace tmon::mockllm {

int64_t WindowCounter::count(Clock::time_point now) {
  // Keep two windows: previous() needs the one before this.
  while (!accepted_.empty() && accepted_.front() + 2 * length_ <= now) accepted_.pop_front();
  return std::count_if(accepted_.begin(), accepted_.end(),
                       [&](const auto at) { return at + length_ > now; });
}

std::vector<WindowCounter::Clock::time_point> WindowCounter::in_window(
    Clock::time_point now) const {
  std::vector<Clock::time_point> times;
  for (const auto at : accepted_) {
    if (at + length_ > now) times.push_back(at);
  }
  return times;
}

int64_t WindowCounter::previous(Clock::time_point now) const {
  return std::count_if(accepted_.begin(), accepted_.end(), [&](const auto at) {
    return at + length_ <= now && at + 2 * length_ > now;
  });
}

void WindowCounter::accept(Clock::time_point now) {
  // Server threads take their time before the lock: keep the log ordered,
  // or eviction from the front would keep old requests counted.
  accepted_.insert(std::upper_bound(accepted_.begin(), accepted_.end(), now), now);
  max_seen_ = std::max(max_seen_, count(now));
}

int64_t TokenWindow::sum(WindowCounter::Clock::time_point now) {
  while (!events_.empty() && events_.front().first + length_ <= now) {
    sum_ -= events_.front().second;
    events_.pop_front();
  }
  return sum_;
}

void TokenWindow::add(int64_t tokens, WindowCounter::Clock::time_point now) {
  sum(now);
  // Ordered by time, like WindowCounter (times come from several threads).
  const auto at = std::upper_bound(events_.begin(), events_.end(), now,
                                   [](const auto& t, const auto& event) { return t < event.first; });
  events_.emplace(at, now, tokens);
  sum_ += tokens;
  total_ += tokens;
  max_seen_ = std::max(max_seen_, sum_);
}

}  // namespace tmon::mockllm
