// Watch leases of an API process on a ManualClock: one lease per camera
// however many local watchers, refreshed within its TTL while watched,
// dropped at once when the last watcher leaves, expiring by itself when the
// process dies, and a bound on the cameras watched.
#include "preview/watch_leases.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "eventually.h"
#include "preview/tests/fake_preview_store.h"

namespace tmon::preview {
namespace {

using namespace std::chrono_literals;

class WatchLeasesTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  testing::FakePreviewStore store_{clock_};
  prometheus::Registry registry_;
  PreviewMetrics metrics_{registry_};
  WatchLeaseOptions options_{"api-1", Millis(10'000), Millis(3'000), 2};
};

TEST_F(WatchLeasesTest, OneLeasePerCameraHeldWhileAnyLocalClientWatches) {
  WatchLeases leases(store_, clock_, metrics_, options_);
  EXPECT_EQ(leases.acquire("cam-1"), true);   // the first watcher
  EXPECT_EQ(leases.acquire("cam-1"), false);  // a second one shares the lease
  EXPECT_FALSE(store_.leased("cam-1"));       // taken at the next tick, not on the caller's thread
  EXPECT_EQ(leases.next_due(), clock_.now());
  leases.tick();
  EXPECT_TRUE(store_.leased("cam-1"));
  EXPECT_EQ(store_.hold_count(), 1);
  EXPECT_EQ(metrics_.watched.Value(), 1);

  EXPECT_FALSE(leases.release("cam-1"));  // one watcher is left
  leases.tick();
  EXPECT_EQ(store_.drop_count(), 0);
  EXPECT_TRUE(store_.leased("cam-1"));

  EXPECT_TRUE(leases.release("cam-1"));  // the last one
  leases.tick();
  EXPECT_FALSE(store_.leased("cam-1"));  // dropped at once, not at its expiry
  EXPECT_EQ(metrics_.watched.Value(), 0);
  EXPECT_FALSE(leases.release("cam-1"));  // nothing left to release
}

TEST_F(WatchLeasesTest, RefreshedEveryRefreshIntervalSoItNeverLapsesWhileWatched) {
  WatchLeases leases(store_, clock_, metrics_, options_);
  ASSERT_TRUE(leases.acquire("cam-1"));
  leases.tick();
  EXPECT_EQ(leases.next_due(), clock_.now() + 3s);
  for (int second = 1; second <= 60; ++second) {
    clock_.advance(1s);
    if (clock_.now() >= leases.next_due()) leases.tick();
    ASSERT_TRUE(store_.leased("cam-1")) << "lapsed at " << second << " s";
  }
  EXPECT_EQ(store_.hold_count(), 1 + 60 / 3);  // one call per refresh, none per second between
}

TEST_F(WatchLeasesTest, AProcessThatDiesLeavesALeaseThatExpiresWithinItsTtl) {
  WatchLeases leases(store_, clock_, metrics_, options_);
  ASSERT_TRUE(leases.acquire("cam-1"));
  leases.tick();
  // No more ticks: the process is gone, nobody drops or refreshes.
  clock_.advance(9'999ms);
  EXPECT_TRUE(store_.leased("cam-1"));
  clock_.advance(1ms);
  EXPECT_FALSE(store_.leased("cam-1"));
}

TEST_F(WatchLeasesTest, BoundedNumberOfWatchedCameras) {
  WatchLeases leases(store_, clock_, metrics_, options_);
  ASSERT_TRUE(leases.acquire("cam-1"));
  ASSERT_TRUE(leases.acquire("cam-2"));
  const auto third = leases.acquire("cam-3");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(third.error().message.find("preview.max_watched_cameras"), std::string::npos);
  EXPECT_EQ(leases.acquire("cam-1"), false);  // another watcher of a watched one is fine
  leases.release("cam-2");
  EXPECT_EQ(leases.acquire("cam-3"), true);
}

TEST_F(WatchLeasesTest, RedisDownIsCountedAndTheLeaseComesBackWithIt) {
  WatchLeases leases(store_, clock_, metrics_, options_);
  store_.set_failing(true);
  ASSERT_TRUE(leases.acquire("cam-1"));
  leases.tick();
  EXPECT_EQ(metrics_.lease_errors.Value(), 1);
  EXPECT_TRUE(leases.failing());  // the health report says so
  store_.set_failing(false);
  clock_.advance(3s);
  leases.tick();
  EXPECT_TRUE(store_.leased("cam-1"));
  EXPECT_FALSE(leases.failing());
}

TEST_F(WatchLeasesTest, TheRefresherThreadTicksOnTheClockAndStopDropsEveryLease) {
  WatchLeases leases(store_, clock_, metrics_, options_);
  leases.start();
  ASSERT_TRUE(leases.acquire("cam-1"));
  // Woken by the acquire, not by time.
  ASSERT_TRUE(tmon::testing::eventually([&] { return store_.leased("cam-1"); }));
  ASSERT_TRUE(tmon::testing::eventually([&] { return clock_.waiters() == 1; }));
  clock_.advance(3s);
  ASSERT_TRUE(tmon::testing::eventually([&] { return store_.hold_count() == 2; }));
  leases.stop();
  EXPECT_FALSE(store_.leased("cam-1"));
  leases.stop();  // idempotent
}

}  // namespace
}  // namespace tmon::preview
