#include "mockllm/window_counter.h"

#include <algorithm>

namespace tmon::mockllm {

int64_t WindowCounter::count(Clock::time_point now) {
  while (!accepted_.empty() && accepted_.front() + length_ <= now) accepted_.pop_front();
  return static_cast<int64_t>(accepted_.size());
}

void WindowCounter::accept(Clock::time_point now) {
  accepted_.push_back(now);
  max_seen_ = std::max(max_seen_, count(now));
}

}  // namespace tmon::mockllm
