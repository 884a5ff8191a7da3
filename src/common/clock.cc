#include "common/clock.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

namespace tmon {

std::optional<uint64_t> Clock::add_alarm(SteadyTime, std::function<void()>) {
  return std::nullopt;
}

void Clock::cancel_alarm(uint64_t) {}

int64_t SystemClock::epoch_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool SystemClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                             SteadyTime deadline) {
  // Far deadlines ("never") are clamped: the OS wait converts the time point
  // and would overflow near SteadyTime::max(). Waking once a day is harmless.
  const SteadyTime bounded = std::min(deadline, now() + std::chrono::hours(24));
  cv.wait_until(lock, bounded);
  return now() >= deadline;
}

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

ManualClock::ManualClock(int64_t start_epoch_ms)
    : steady_(SteadyTime{} + std::chrono::hours(1)), epoch_start_ms_(start_epoch_ms) {}

SteadyTime ManualClock::now() const {
  std::lock_guard lock(mu_);
  return steady_ + elapsed_;
}

int64_t ManualClock::epoch_ms() const {
  std::lock_guard lock(mu_);
  return epoch_start_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(elapsed_).count();
}

bool ManualClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                             SteadyTime deadline) {
  uint64_t id = 0;
  {
    // Checking the time and registering happen together, so an advance()
    // cannot slip in between and be missed.
    std::lock_guard guard(mu_);
    if (steady_ + elapsed_ >= deadline) return true;
    id = next_id_++;
    waiting_.emplace(id, &cv);
  }
  // advance() notifies without holding the waiter's own mutex (that would
  // invert the lock order with the registration above), so a notify can land
  // between the registration and the wait. The short real-time bound turns
  // such a lost wake-up into a brief delay rather than a hang; it only ever
  // applies to tests.
  cv.wait_for(lock, std::chrono::milliseconds(20));
  std::lock_guard guard(mu_);
  waiting_.erase(id);
  return steady_ + elapsed_ >= deadline;
}

std::optional<uint64_t> ManualClock::add_alarm(SteadyTime at, std::function<void()> fire) {
  std::unique_lock lock(mu_);
  if (steady_ + elapsed_ >= at) {
    lock.unlock();
    fire();
    return 0;  // fired already; cancelling it is a no-op
  }
  const uint64_t id = next_id_++;
  alarms_.emplace(id, Alarm{at, std::move(fire)});
  return id;
}

void ManualClock::cancel_alarm(uint64_t id) {
  std::lock_guard lock(mu_);
  alarms_.erase(id);
}

void ManualClock::advance(std::chrono::nanoseconds by) {
  std::vector<std::pair<SteadyTime, std::function<void()>>> due;
  {
    std::lock_guard lock(mu_);
    elapsed_ += by;
    const SteadyTime now = steady_ + elapsed_;
    for (auto it = alarms_.begin(); it != alarms_.end();) {
      if (it->second.at <= now) {
        due.emplace_back(it->second.at, std::move(it->second.fire));
        it = alarms_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [id, cv] : waiting_) cv->notify_all();
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [at, fire] : due) fire();
}

int ManualClock::waiters() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(waiting_.size());
}

bool InterruptibleSleep::sleep_until(SteadyTime deadline) {
  std::unique_lock lock(mu_);
  while (!interrupted_) {
    if (clock_.wait_until(lock, cv_, deadline) && clock_.now() >= deadline) break;
  }
  return !interrupted_;
}

void InterruptibleSleep::interrupt() {
  {
    std::lock_guard lock(mu_);
    interrupted_ = true;
  }
  cv_.notify_all();
}

std::string iso8601_utc(int64_t epoch_ms) {
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(epoch_ms % 1000));
  return text;
}

}  // namespace tmon
