// The subscriber against a real redis-server: views published by the store
// arrive, a Redis restart is survived, and stopping is prompt.
#include "store/redis_subscriber.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/ids.h"
#include "eventually.h"
#include "redis_server.h"
#include "refusing_port.h"
#include "store/redis_result_store.h"

namespace tmon::store {
namespace {

using namespace std::chrono_literals;

// Collects what the listener receives; tests wait (bounded) for it.
class Received {
 public:
  ViewListener listener() {
    return [this](const std::string& camera, const std::string& view) {
      std::lock_guard lock(mu_);
      views_.emplace_back(camera, view);
      cv_.notify_all();
    };
  }
  bool wait_for_count(size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return views_.size() >= count; });
  }
  std::vector<std::pair<std::string, std::string>> views() {
    std::lock_guard lock(mu_);
    return views_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> views_;
};

RedisSubscriberOptions fast_options() {
  RedisSubscriberOptions options;
  options.min_backoff = 20ms;
  options.max_backoff = 200ms;
  return options;
}

TEST(RedisSubscriberTest, DeliversViewsTheStorePublishes) {
  testing::TestRedis redis;
  const auto address = *RedisAddress::parse(redis.url());
  Received received;
  RedisSubscriber subscriber(address, received.listener(), fast_options());
  subscriber.start();
  ASSERT_TRUE(testing::eventually([&] { return subscriber.stats().connected; }, 5s));

  auto client = std::make_shared<RedisClient>(address, Millis(2000));
  RedisResultStore store(client, {});
  const std::string camera = "sub-cam-" + random_hex_id(4);
  ASSERT_TRUE(store.publish_frame({.camera_id = camera,
                                   .request_id = random_hex_id(),
                                   .capture_ts = 10,
                                   .view_json = R"({"captureTs":10})",
                                   .history_json = R"({"captureTs":10})",
                                   .high_risk = false,
                                   .alerts = {},
                                   .ended_alert_groups = {}}));
  // A raw PUBLISH from any other writer is a view too.
  ASSERT_TRUE(client->command({"PUBLISH", camera_channel(camera), R"({"captureTs":11})"}));
  ASSERT_TRUE(received.wait_for_count(2, 5s));
  const auto views = received.views();
  EXPECT_EQ(views[0], std::make_pair(camera, std::string(R"({"captureTs":10})")));
  EXPECT_EQ(views[1], std::make_pair(camera, std::string(R"({"captureTs":11})")));
  EXPECT_EQ(subscriber.stats().messages, 2u);
}

TEST(RedisSubscriberTest, ResubscribesAfterRedisRestarts) {
  testing::TestRedis redis(testing::TestRedis::Private{});
  const auto address = *RedisAddress::parse(redis.url());
  Received received;
  RedisSubscriber subscriber(address, received.listener(), fast_options());
  subscriber.start();
  ASSERT_TRUE(testing::eventually([&] { return subscriber.stats().connected; }, 5s));

  redis.kill();
  ASSERT_TRUE(testing::eventually([&] { return !subscriber.stats().connected; }, 5s));
  ASSERT_TRUE(redis.restart());
  ASSERT_TRUE(testing::eventually([&] { return subscriber.stats().connected; }, 5s));
  EXPECT_EQ(subscriber.stats().reconnects, 1u);

  RedisClient client(address, Millis(2000));
  ASSERT_TRUE(client.command({"PUBLISH", camera_channel("back"), "{}"}));
  ASSERT_TRUE(received.wait_for_count(1, 5s));
  EXPECT_EQ(received.views()[0].first, "back");
}

TEST(RedisSubscriberTest, StopsPromptlyWhileRedisIsDown) {
  testing::RefusingPort refusing;
  RedisAddress nowhere;
  nowhere.port = refusing.port();  // nothing listens there
  Received received;
  RedisSubscriber subscriber(nowhere, received.listener(), fast_options());
  subscriber.start();
  // It failed and is backing off (in its sleep or about to try again).
  ASSERT_TRUE(testing::eventually([&] { return subscriber.stats().failed_attempts >= 2; }, 5s));
  EXPECT_FALSE(subscriber.stats().connected);
  const auto started = std::chrono::steady_clock::now();
  subscriber.stop();
  subscriber.stop();  // idempotent
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST(RedisSubscriberTest, StopsPromptlyWhileSubscribed) {
  testing::TestRedis redis;
  RedisSubscriberOptions options = fast_options();
  options.ping_interval = 60s;  // stop must not wait for the poll to time out
  Received received;
  RedisSubscriber subscriber(*RedisAddress::parse(redis.url()), received.listener(), options);
  subscriber.start();
  ASSERT_TRUE(testing::eventually([&] { return subscriber.stats().connected; }, 5s));
  const auto started = std::chrono::steady_clock::now();
  subscriber.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_FALSE(subscriber.stats().connected);
}

// PUBSUB NUMSUB of one channel: its subscribers on the server.
int64_t subscribers_of(RedisClient& client, const std::string& channel) {
  auto reply = client.command({"PUBSUB", "NUMSUB", channel});
  if (!reply || reply->elements.size() != 2) return -1;
  return reply->elements[1].integer;
}

TEST(RedisSubscriberTest, ChannelModeFollowsTheChannelsAskedFor) {
  testing::TestRedis redis(testing::TestRedis::Private{});
  const auto address = *RedisAddress::parse(redis.url());
  RedisSubscriberOptions options = fast_options();
  options.pattern = "";
  options.channel_prefix = "pv:";
  Received received;
  RedisSubscriber subscriber(address, received.listener(), options);
  subscriber.start();
  ASSERT_TRUE(testing::eventually([&] { return subscriber.stats().connected; }, 5s));
  RedisClient client(address, Millis(2000));

  subscriber.subscribe("pv:cam:1");  // an id with a colon keeps it
  subscriber.subscribe("pv:cam:1");  // again: nothing changes
  ASSERT_TRUE(testing::eventually([&] { return subscribers_of(client, "pv:cam:1") == 1; }, 5s));
  ASSERT_TRUE(client.command({"PUBLISH", "pv:other", "not asked for"}));
  ASSERT_TRUE(client.command({"PUBLISH", "pv:cam:1", "one"}));
  ASSERT_TRUE(received.wait_for_count(1, 5s));
  EXPECT_EQ(received.views()[0], std::make_pair(std::string("cam:1"), std::string("one")));

  // Across a Redis restart the channel is asked for again.
  redis.kill();
  ASSERT_TRUE(testing::eventually([&] { return !subscriber.stats().connected; }, 5s));
  ASSERT_TRUE(redis.restart());
  ASSERT_TRUE(testing::eventually([&] { return subscribers_of(client, "pv:cam:1") == 1; }, 5s));

  subscriber.unsubscribe("pv:cam:1");
  ASSERT_TRUE(testing::eventually([&] { return subscribers_of(client, "pv:cam:1") == 0; }, 5s));
  subscriber.subscribe("pv:2");
  ASSERT_TRUE(testing::eventually([&] { return subscribers_of(client, "pv:2") == 1; }, 5s));
  ASSERT_TRUE(client.command({"PUBLISH", "pv:cam:1", "after unsubscribe"}));
  ASSERT_TRUE(client.command({"PUBLISH", "pv:2", "two"}));
  ASSERT_TRUE(received.wait_for_count(2, 5s));
  const auto views = received.views();
  ASSERT_EQ(views.size(), 2u);  // the message after the unsubscribe never came
  EXPECT_EQ(views[1], std::make_pair(std::string("2"), std::string("two")));
}

}  // namespace
}  // namespace tmon::store
