#include "store/open.h"

#include <gtest/gtest.h>

#include "redis_server.h"
#include "refusing_port.h"
#include "store/memory_result_store.h"
#include "store/redis_result_store.h"

namespace tmon::store {
namespace {

config::RedisConfig redis_at(const std::string& url) {
  config::RedisConfig redis;
  redis.url = url;
  redis.timeout_ms = 500;
  return redis;
}

TEST(OpenStoreTest, AReachableRedisIsTheStore) {
  testing::TestRedis redis;
  ManualClock clock;
  auto opened = open(redis_at(redis.url()), {}, MemoryFallback::kAllowed, clock);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_NE(std::dynamic_pointer_cast<RedisResultStore>(opened->store), nullptr);
  EXPECT_NE(opened->redis, nullptr);
  EXPECT_EQ(opened->health, HealthStatus::kOk);
}

TEST(OpenStoreTest, AnUnreachableRedisFallsBackToMemoryWhenAllowed) {
  testing::RefusingPort refusing;
  ManualClock clock;
  auto opened = open(redis_at("redis://127.0.0.1:" + std::to_string(refusing.port()) + "/0"), {},
                     MemoryFallback::kAllowed, clock);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_NE(std::dynamic_pointer_cast<MemoryResultStore>(opened->store), nullptr);
  EXPECT_EQ(opened->redis, nullptr);
  EXPECT_EQ(opened->health, HealthStatus::kDegraded);
  EXPECT_NE(opened->detail.find("memory"), std::string::npos);
}

TEST(OpenStoreTest, AnUnreachableRedisIsAnErrorWhenMemoryIsRefused) {
  testing::RefusingPort refusing;
  ManualClock clock;
  auto opened = open(redis_at("redis://127.0.0.1:" + std::to_string(refusing.port()) + "/0"), {},
                     MemoryFallback::kRefused, clock);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().message.find("pipeline.redis.url"), std::string::npos);
}

TEST(OpenStoreTest, ABadUrlIsAnError) {
  ManualClock clock;
  EXPECT_FALSE(open(redis_at("http://nowhere"), {}, MemoryFallback::kAllowed, clock));
}

TEST(StoreOptionsTest, FramesAreHeldTenPartialTimeoutsAndAtLeastTenMinutes) {
  config::AggregationConfig a;
  a.history_size = 7;
  a.partial_timeout_seconds = 15;
  EXPECT_EQ(store_options(a).history_size, 7);
  EXPECT_EQ(store_options(a).frame_ttl_seconds, 600);
  a.partial_timeout_seconds = 120;
  EXPECT_EQ(store_options(a).frame_ttl_seconds, 1200);
}

}  // namespace
}  // namespace tmon::store
