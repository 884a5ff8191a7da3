#pragma once

// An Asio timer that runs on a Clock, so coroutines that wait are driven by a
// ManualClock in tests exactly as threads are (see Clock::wait_until).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "common/clock.h"

namespace tmon {

// Like boost::asio::steady_timer, on a Clock. With a SystemClock it is a
// steady_timer; with a ManualClock the expiry is a clock alarm that wakes the
// waiting coroutine when a test advances time past it.
//
// Not thread-safe, like Asio's timers: use it from its executor only.
class ClockTimer {
 public:
  ClockTimer(Clock& clock, boost::asio::any_io_executor executor);
  ~ClockTimer();
  ClockTimer(const ClockTimer&) = delete;
  ClockTimer& operator=(const ClockTimer&) = delete;

  // Sets the expiry; a wait in progress is woken (it returns false unless the
  // new expiry has passed).
  void expires_at(SteadyTime at);
  void expires_after(std::chrono::nanoseconds duration) { expires_at(clock_.now() + duration); }
  SteadyTime expiry() const;

  // Suspends until the expiry or cancel(). Returns true when the expiry has
  // been reached, false when woken early.
  boost::asio::awaitable<bool> wait();
  // Wakes a wait in progress early.
  void cancel();

 private:
  struct State;
  Clock& clock_;
  std::shared_ptr<State> state_;
};

}  // namespace tmon
