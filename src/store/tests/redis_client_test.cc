#include "store/redis_client.h"

#include <gtest/gtest.h>

#include "redis_server.h"
#include "refusing_port.h"

namespace tmon::store {
namespace {

TEST(RedisAddressTest, ParsesHostPortDbAndPassword) {
  auto address = RedisAddress::parse("redis://:s3cret@10.0.0.5:6380/2");
  ASSERT_TRUE(address) << address.error().message;
  EXPECT_EQ(address->host, "10.0.0.5");
  EXPECT_EQ(address->port, 6380);
  EXPECT_EQ(address->db, 2);
  EXPECT_EQ(address->password, "s3cret");
  EXPECT_EQ(address->describe().find("s3cret"), std::string::npos);
}

TEST(RedisAddressTest, DefaultsPortAndDb) {
  auto address = RedisAddress::parse("redis://localhost");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->port, 6379);
  EXPECT_EQ(address->db, 0);
}

TEST(RedisAddressTest, RejectsBadUrlsWithoutEchoingThem) {
  auto bad = RedisAddress::parse("http://:hunter2@host");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("hunter2"), std::string::npos);
  EXPECT_FALSE(RedisAddress::parse("redis://host:99999"));
  EXPECT_FALSE(RedisAddress::parse("redis://host/x"));
}

TEST(RedisClientTest, RunsCommandsAgainstARealServer) {
  testing::TestRedis redis;
  RedisClient client(*RedisAddress::parse(redis.url()), Millis(2000));
  ASSERT_TRUE(client.ping());
  auto set = client.command({"SET", "tmon-test:key", "value"});
  ASSERT_TRUE(set) << set.error().message;
  auto get = client.command({"GET", "tmon-test:key"});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->text, "value");
  auto error = client.command({"INCR", "tmon-test:key"});
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().code, ErrorCode::kRejected);
}

TEST(RedisClientTest, UnreachableServerIsUnavailable) {
  const testing::RefusingPort refusing;
  RedisClient client(*RedisAddress::parse("redis://127.0.0.1:" + std::to_string(refusing.port())),
                     Millis(500));
  auto reply = client.command({"PING"});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace tmon::store
