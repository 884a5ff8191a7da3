#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace tmon {

using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

// Source of time, and the only way code under src/ waits for it. Everything
// that waits, paces or expires takes a Clock so tests advance time instead of
// sleeping: a ManualClock wakes its waiters when advanced. Thread-safe.
//
// Three ways to wait:
//  - wait_until(lock, cv, deadline): a thread waiting on its own condition
//    variable (woken early by notify, like std::condition_variable::wait_until);
//  - InterruptibleSleep (below): a thread sleeping until a time or until stopped;
//  - ClockTimer (common/clock_timer.h): an Asio coroutine waiting.
class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time: deadlines, cooldowns, rate limiting.
  virtual SteadyTime now() const = 0;
  // Wall-clock milliseconds since the Unix epoch: timestamps carried in messages.
  virtual int64_t epoch_ms() const = 0;

  // Waits on `cv` until notified or until now() >= deadline. `lock` is held on
  // entry and on return. May return spuriously: callers loop on their own
  // condition. Returns whether the deadline has passed.
  virtual bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          SteadyTime deadline) = 0;

  // Asks for `fire` to run once when now() reaches `at`; returns an id for
  // cancel_alarm. Only clocks whose time is not the OS's (ManualClock) keep
  // alarms: a real clock returns nullopt and its users set an OS timer
  // instead (ClockTimer does both).
  virtual std::optional<uint64_t> add_alarm(SteadyTime at, std::function<void()> fire);
  // Drops an alarm that has not fired; no-op otherwise.
  virtual void cancel_alarm(uint64_t id);
};

class SystemClock final : public Clock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  int64_t epoch_ms() const override;
  bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  SteadyTime deadline) override;
  // A process-wide instance, for wiring in main().
  static SystemClock& instance();
};

// A clock that moves only when told to. Both time bases advance together.
// advance() wakes every thread waiting on this clock and runs the alarms that
// fall due (on the advancing thread, in deadline order).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_epoch_ms = 1'700'000'000'000);
  SteadyTime now() const override;
  int64_t epoch_ms() const override;
  bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  SteadyTime deadline) override;
  std::optional<uint64_t> add_alarm(SteadyTime at, std::function<void()> fire) override;
  void cancel_alarm(uint64_t id) override;

  void advance(std::chrono::nanoseconds by);
  // Threads currently blocked in wait_until; lets a test wait until the code
  // under test has gone to sleep before it advances time.
  int waiters() const;

 private:
  mutable std::mutex mu_;
  SteadyTime steady_;
  int64_t epoch_start_ms_;
  std::chrono::nanoseconds elapsed_{0};
  std::map<uint64_t, std::condition_variable*> waiting_;  // id -> the waiter's cv
  struct Alarm {
    SteadyTime at;
    std::function<void()> fire;
  };
  std::map<uint64_t, Alarm> alarms_;
  uint64_t next_id_ = 1;
};

// A sleep another thread can cut short: grabber back-offs, retry pauses,
// stage loops. Once interrupted, it stays interrupted (every later sleep
// returns at once), which is what a shutdown wants.
class InterruptibleSleep {
 public:
  explicit InterruptibleSleep(Clock& clock) : clock_(clock) {}
  // Returns true when the deadline passed, false when interrupted.
  bool sleep_until(SteadyTime deadline);
  bool sleep_for(std::chrono::nanoseconds duration) {
    return sleep_until(clock_.now() + duration);
  }
  void interrupt();
  bool interrupted() const { return interrupted_.load(); }

 private:
  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> interrupted_{false};
};

// 2026-11-28T03:04:05.678Z: epoch milliseconds as ISO-8601 UTC (the original's format).
std::string iso8601_utc(int64_t epoch_ms);

}  // namespace tmon
