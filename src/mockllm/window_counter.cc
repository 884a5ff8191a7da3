#include "mockllm/window_counter.h"

#include <algorithm>

namespace tmon::mockllm {

int64_t WindowCounter::count(Clock::time_point now) {
  // Keep two windows: previous() needs the one before this.
  while (!accepted_.empty() && accepted_.front() + 2 * length_ <= now) accepted_.pop_front();
  return std::count_if(accepted_.begin(), accepted_.end(),
                       [&](const auto at) { return at + length_ > now; });
}

int64_t WindowCounter::previous(Clock::time_point now) const {
  return std::count_if(accepted_.begin(), accepted_.end(), [&](const auto at) {
    return at + length_ <= now && at + 2 * length_ > now;
  });
}

void WindowCounter::accept(Clock::time_point now) {
  accepted_.push_back(now);
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
  events_.emplace_back(now, tokens);
  sum_ += tokens;
  total_ += tokens;
  max_seen_ = std::max(max_seen_, sum_);
}

}  // namespace tmon::mockllm
