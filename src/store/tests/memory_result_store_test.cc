#include "store/memory_result_store.h"

#include <gtest/gtest.h>

namespace tmon::store {
namespace {

ResultWrite write_for(std::string task, int64_t capture_ts, std::string view) {
  return ResultWrite{std::move(task), "cam-1", capture_ts, "{\"r\":1}", std::move(view)};
}

TEST(MemoryResultStoreTest, AppliesATaskOnlyOnce) {
  ManualClock clock;
  MemoryResultStore store({}, clock);
  EXPECT_EQ(store.apply(write_for("t1", 100, "v1")), true);
  EXPECT_EQ(store.apply(write_for("t1", 100, "v1-replayed")), false);
  EXPECT_EQ(store.latest("cam-1")->value(), "v1");
}

TEST(MemoryResultStoreTest, OlderFrameNeverReplacesNewerView) {
  ManualClock clock;
  MemoryResultStore store({}, clock);
  ASSERT_TRUE(store.apply(write_for("t2", 200, "newer")));
  ASSERT_TRUE(store.apply(write_for("t1", 100, "older")));
  EXPECT_EQ(store.latest("cam-1")->value(), "newer");
  EXPECT_EQ(store.result("t1")->value(), "{\"r\":1}");
}

TEST(MemoryResultStoreTest, EntriesExpireAfterTheirTtl) {
  ManualClock clock;
  MemoryResultStore store({.result_ttl_seconds = 10, .latest_ttl_seconds = 5}, clock);
  ASSERT_TRUE(store.apply(write_for("t1", 100, "v")));
  clock.advance(std::chrono::seconds(5));
  EXPECT_FALSE(store.latest("cam-1")->has_value());
  EXPECT_TRUE(store.result("t1")->has_value());
  clock.advance(std::chrono::seconds(5));
  EXPECT_FALSE(store.result("t1")->has_value());
  // Past the replay window a taskId is new again, exactly as with Redis TTLs.
  EXPECT_EQ(store.apply(write_for("t1", 100, "v")), true);
}

TEST(MemoryResultStoreTest, UnknownCameraHasNoLatest) {
  ManualClock clock;
  MemoryResultStore store({}, clock);
  auto latest = store.latest("nope");
  ASSERT_TRUE(latest);
  EXPECT_FALSE(latest->has_value());
}

}  // namespace
}  // namespace tmon::store
