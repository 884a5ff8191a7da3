#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace tmon {

using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

// Source of time. Everything that waits, paces or expires takes a Clock so
// tests can advance time instead of sleeping. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time: deadlines, cooldowns, rate limiting.
  virtual SteadyTime now() const = 0;
  // Wall-clock milliseconds since the Unix epoch: timestamps carried in messages.
  virtual int64_t epoch_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  int64_t epoch_ms() const override;
  // A process-wide instance, for wiring in main().
  static SystemClock& instance();
};

// A clock that moves only when told to. Both time bases advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_epoch_ms = 1'700'000'000'000);
  SteadyTime now() const override;
  int64_t epoch_ms() const override;
  void advance(std::chrono::nanoseconds by);

 private:
  mutable std::mutex mu_;
  SteadyTime steady_;
  int64_t epoch_start_ms_;
  std::chrono::nanoseconds elapsed_{0};
};

// 2026-11-28T03:04:05.678Z: epoch milliseconds as ISO-8601 UTC (the original's format).
std::string iso8601_utc(int64_t epoch_ms);

}  // namespace tmon
