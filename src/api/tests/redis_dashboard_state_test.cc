// The dashboard's shared state in a real Redis: acknowledgements and the
// per-minute counters are the same for every API process (two clients here
// stand for two processes) and outlive them.
#include <gtest/gtest.h>
#include <unistd.h>

#include "api/alert_acks.h"
#include "api/stats_counters.h"
#include "redis_server.h"

namespace tmon::api {
namespace {

std::shared_ptr<store::RedisClient> connect(const testing::TestRedis& redis) {
  return std::make_shared<store::RedisClient>(*store::RedisAddress::parse(redis.url()),
                                              Millis(2000));
}

// Ids unique to this process: scripts/test.sh shares one Redis between tests.
std::string unique(const std::string& name) {
  return name + "-" + std::to_string(::getpid());
}

TEST(RedisDashboardStateTest, AnAckWrittenByOneProcessIsReadByAnotherWithAnExpiry) {
  testing::TestRedis redis;
  auto writer_client = connect(redis);
  RedisAlertAcks writer(writer_client, 3600);
  RedisAlertAcks reader(connect(redis));
  const std::string id = unique("alert");
  ASSERT_TRUE(writer.put(id, {"王工", 1'700'000'000'000, "已通知交警"}));
  const auto found = *reader.get({id, unique("other")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found.at(id), (AlertAck{"王工", 1'700'000'000'000, "已通知交警"}));
  const auto ttl = *writer_client->command({"TTL", alert_ack_key(id)});
  EXPECT_GT(ttl.integer, 3000);
  EXPECT_LE(ttl.integer, 3600);
}

TEST(RedisDashboardStateTest, AValueNotWrittenByTmonIsSkippedNotFatal) {
  testing::TestRedis redis;
  auto client = connect(redis);
  const std::string id = unique("garbage");
  ASSERT_TRUE(client->command({"SET", alert_ack_key(id), "not json"}));
  RedisAlertAcks acks(client);
  const auto found = acks.get({id});
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());
}

TEST(RedisDashboardStateTest, CountersOfTwoProcessesAddUpPerMinute) {
  testing::TestRedis redis;
  RedisStatsCounters first(connect(redis));
  RedisStatsCounters second(connect(redis));
  // A minute of its own (long past, by this process's id): no other test's.
  const int64_t now = (1'000'000 + static_cast<int64_t>(::getpid())) * 60'000;
  FrameCounts counts;
  counts.calls = 2;
  counts.errors = 1;
  counts.latencies_ms = {150};
  counts.alerts_by_level = {{"high", 1}};
  ASSERT_TRUE(first.add(now, counts));
  ASSERT_TRUE(second.add(now + 1000, counts));
  const auto minutes = *first.read(now + 2000, 2);
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].calls, 0);  // the minute before: nothing
  EXPECT_EQ(minutes[1].calls, 4);
  EXPECT_EQ(minutes[1].errors, 2);
  EXPECT_EQ(minutes[1].latency[latency_bucket(150)], 2);
  EXPECT_EQ(minutes[1].alerts_by_level.at("high"), 2);
}

}  // namespace
}  // namespace tmon::api
