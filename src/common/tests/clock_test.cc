#include "common/clock.h"

#include <gtest/gtest.h>

#include <thread>

#include "eventually.h"

namespace tmon {
namespace {

using namespace std::chrono_literals;

TEST(ManualClockTest, AdvancesSteadyAndWallTimeTogether) {
  ManualClock clock(1'000);
  const auto start = clock.now();
  clock.advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.epoch_ms(), 2'500);
}

TEST(ManualClockTest, StandsStillUntilAdvanced) {
  ManualClock clock;
  EXPECT_EQ(clock.now(), clock.now());
}

TEST(ManualClockTest, WaitUntilAPassedDeadlineReturnsAtOnce) {
  ManualClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  EXPECT_TRUE(clock.wait_until(lock, cv, clock.now()));
  EXPECT_TRUE(lock.owns_lock());
}

TEST(ManualClockTest, SleeperWakesExactlyWhenTimeReachesItsDeadline) {
  ManualClock clock;
  InterruptibleSleep sleep(clock);
  const SteadyTime deadline = clock.now() + 10s;
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    EXPECT_TRUE(sleep.sleep_until(deadline));
    woke = true;
  });
  ASSERT_TRUE(testing::eventually([&] { return clock.waiters() == 1; }));
  clock.advance(9999ms);
  // Still asleep at 9.999 s: the waiter is back on the clock, not finished.
  ASSERT_TRUE(testing::eventually([&] { return clock.waiters() == 1; }));
  EXPECT_FALSE(woke);
  clock.advance(1ms);
  sleeper.join();
  EXPECT_TRUE(woke);
}

TEST(ManualClockTest, InterruptEndsTheSleepAndEveryLaterOne) {
  ManualClock clock;
  InterruptibleSleep sleep(clock);
  std::thread sleeper([&] { EXPECT_FALSE(sleep.sleep_for(1h)); });
  ASSERT_TRUE(testing::eventually([&] { return clock.waiters() == 1; }));
  sleep.interrupt();
  sleeper.join();
  EXPECT_TRUE(sleep.interrupted());
  EXPECT_FALSE(sleep.sleep_for(1h));
}

TEST(ManualClockTest, AlarmsFireInDeadlineOrderWhenDue) {
  ManualClock clock;
  std::vector<int> fired;
  clock.add_alarm(clock.now() + 2s, [&] { fired.push_back(2); });
  clock.add_alarm(clock.now() + 1s, [&] { fired.push_back(1); });
  const auto never = clock.add_alarm(clock.now() + 1500ms, [&] { fired.push_back(15); });
  ASSERT_TRUE(never);
  clock.cancel_alarm(*never);
  clock.advance(999ms);
  EXPECT_TRUE(fired.empty());
  clock.advance(5s);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST(ManualClockTest, AnAlarmAlreadyDueFiresAtOnce) {
  ManualClock clock;
  bool fired = false;
  clock.add_alarm(clock.now(), [&] { fired = true; });
  EXPECT_TRUE(fired);
}

TEST(SystemClockTest, EpochIsPlausible) {
  // 2020-01-01 in epoch ms: a clock reading before that is broken.
  EXPECT_GT(SystemClock::instance().epoch_ms(), 1'577'836'800'000);
}

TEST(SystemClockTest, KeepsNoAlarms) {
  EXPECT_FALSE(SystemClock::instance().add_alarm(SteadyTime{}, [] {}));
}

TEST(SystemClockTest, SleepReachesAShortDeadline) {
  InterruptibleSleep sleep(SystemClock::instance());
  const SteadyTime deadline = SystemClock::instance().now() + 5ms;
  EXPECT_TRUE(sleep.sleep_until(deadline));
  EXPECT_GE(SystemClock::instance().now(), deadline);
}

TEST(Iso8601Test, FormatsMillisecondsInUtc) {
  EXPECT_EQ(iso8601_utc(1'795'843'302'118), "2026-11-28T05:21:42.118Z");
}

}  // namespace
}  // namespace tmon
