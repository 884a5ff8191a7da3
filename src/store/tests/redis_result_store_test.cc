#include "store/redis_result_store.h"

#include <gtest/gtest.h>

#include "common/ids.h"
#include "redis_server.h"

namespace tmon::store {
namespace {

class RedisResultStoreTest : public ::testing::Test {
 protected:
  RedisResultStoreTest()
      : client_(std::make_shared<RedisClient>(*RedisAddress::parse(redis_.url()), Millis(2000))),
        store_(client_, {}),
        camera_("cam-" + random_hex_id(4)) {}

  ResultWrite write_for(const std::string& task, int64_t capture_ts, const std::string& view) {
    return ResultWrite{task, camera_, capture_ts, "{\"taskId\":\"" + task + "\"}", view};
  }

  testing::TestRedis redis_;
  std::shared_ptr<RedisClient> client_;
  RedisResultStore store_;
  std::string camera_;
};

TEST_F(RedisResultStoreTest, AppliesATaskOnlyOnce) {
  const std::string task = random_hex_id();
  EXPECT_EQ(store_.apply(write_for(task, 100, R"({"captureTs":100,"n":1})")), true);
  EXPECT_EQ(store_.apply(write_for(task, 100, R"({"captureTs":100,"n":2})")), false);
  EXPECT_EQ(store_.latest(camera_)->value(), R"({"captureTs":100,"n":1})");
  EXPECT_EQ(store_.result(task)->value(), "{\"taskId\":\"" + task + "\"}");
}

TEST_F(RedisResultStoreTest, OlderFrameNeverReplacesNewerView) {
  ASSERT_TRUE(store_.apply(write_for(random_hex_id(), 200, R"({"captureTs":200})")));
  ASSERT_TRUE(store_.apply(write_for(random_hex_id(), 100, R"({"captureTs":100})")));
  EXPECT_EQ(store_.latest(camera_)->value(), R"({"captureTs":200})");
}

TEST_F(RedisResultStoreTest, SetsTtlsOnWhatItStores) {
  const std::string task = random_hex_id();
  ASSERT_TRUE(store_.apply(write_for(task, 1, R"({"captureTs":1})")));
  auto ttl = client_->command({"TTL", latest_key(camera_)});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 3600);
  ttl = client_->command({"TTL", result_key(task)});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 3600);
}

}  // namespace
}  // namespace tmon::store
