#include "common/clock_timer.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

namespace tmon {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Runs `coroutine` on `io` and records what the timer's wait returned.
struct Waiter {
  std::optional<bool> result;
  asio::awaitable<void> run(ClockTimer& timer) { result = co_await timer.wait(); }
};

TEST(ClockTimerTest, ManualClockExpiresTheTimerAtItsDeadlineNotBefore) {
  ManualClock clock;
  asio::io_context io;
  ClockTimer timer(clock, io.get_executor());
  timer.expires_after(10s);
  Waiter waiter;
  asio::co_spawn(io, waiter.run(timer), asio::detached);
  io.poll();
  clock.advance(9999ms);
  io.poll();
  EXPECT_FALSE(waiter.result);
  clock.advance(1ms);
  io.poll();
  ASSERT_TRUE(waiter.result);
  EXPECT_TRUE(*waiter.result);
}

TEST(ClockTimerTest, CancelWakesTheWaitEarly) {
  ManualClock clock;
  asio::io_context io;
  ClockTimer timer(clock, io.get_executor());
  timer.expires_after(1h);
  Waiter waiter;
  asio::co_spawn(io, waiter.run(timer), asio::detached);
  io.poll();
  timer.cancel();
  io.poll();
  ASSERT_TRUE(waiter.result);
  EXPECT_FALSE(*waiter.result);
}

TEST(ClockTimerTest, NewExpiryReplacesTheOldAlarm) {
  ManualClock clock;
  asio::io_context io;
  ClockTimer timer(clock, io.get_executor());
  timer.expires_after(1s);
  timer.expires_after(5s);
  Waiter waiter;
  asio::co_spawn(io, waiter.run(timer), asio::detached);
  io.poll();
  clock.advance(2s);  // the first expiry's alarm is gone: nothing wakes
  io.poll();
  EXPECT_FALSE(waiter.result);
  clock.advance(3s);
  io.poll();
  ASSERT_TRUE(waiter.result);
  EXPECT_TRUE(*waiter.result);
}

TEST(ClockTimerTest, PassedExpiryReturnsWithoutWaiting) {
  ManualClock clock;
  asio::io_context io;
  ClockTimer timer(clock, io.get_executor());
  timer.expires_at(clock.now());
  Waiter waiter;
  asio::co_spawn(io, waiter.run(timer), asio::detached);
  io.poll();
  ASSERT_TRUE(waiter.result);
  EXPECT_TRUE(*waiter.result);
}

TEST(ClockTimerTest, SystemClockTimerExpires) {
  asio::io_context io;
  ClockTimer timer(SystemClock::instance(), io.get_executor());
  timer.expires_after(5ms);
  Waiter waiter;
  asio::co_spawn(io, waiter.run(timer), asio::detached);
  io.run_for(5s);
  ASSERT_TRUE(waiter.result);
  EXPECT_TRUE(*waiter.result);
}

TEST(ClockTimerTest, DestroyingTheTimerDropsItsAlarm) {
  ManualClock clock;
  asio::io_context io;
  { ClockTimer timer(clock, io.get_executor()); timer.expires_after(1s); }
  clock.advance(2s);  // would post a wake-up for the destroyed timer if its alarm survived
  EXPECT_EQ(io.poll(), 0u);
}

}  // namespace
}  // namespace tmon
