// The aggregator against real parts: the embedded Kafka broker and a real
// redis-server. Replays store nothing twice, a frame missing a result is
// published partial after the timeout, and a Redis outage loses nothing.
#include "aggregate/aggregate_stage.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "bus/consumer.h"
#include "bus/embedded_broker.h"
#include "bus/producer.h"
#include "common/ids.h"
#include "messages/codec.h"
#include "redis_server.h"
#include "store/redis_result_store.h"

namespace tmon::aggregate {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = 30s) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

class AggregateStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kafka_.topics.risk_assessment_results.partitions = 2;
    auto broker = bus::EmbeddedBroker::start(1, kafka_.topics);
    ASSERT_TRUE(broker) << broker.error().message;
    broker_ = std::move(*broker);
    kafka_.bootstrap_servers = broker_->bootstrap_servers();
    kafka_.consumer.fetch_wait_max_ms = 10;
    auto producer = bus::Producer::create(kafka_, "test");
    ASSERT_TRUE(producer);
    producer_ = std::move(*producer);
    dead_letters_ = std::make_unique<bus::DeadLetterPublisher>(
        *producer_, kafka_.topics.dead_letter.name, "aggregate", SystemClock::instance());
  }

  std::shared_ptr<store::RedisResultStore> redis_store(const testing::TestRedis& redis) {
    auto client =
        std::make_shared<store::RedisClient>(*store::RedisAddress::parse(redis.url()), Millis(500));
    return std::make_shared<store::RedisResultStore>(client, store::StoreOptions{});
  }

  std::unique_ptr<bus::StageRunner> run(AggregateStage& stage, const std::string& group) {
    auto consumer = bus::Consumer::create(
        kafka_, {group, {kafka_.topics.risk_assessment_results.name}, "aggregate"});
    EXPECT_TRUE(consumer) << consumer.error().message;
    auto runner = std::make_unique<bus::StageRunner>("aggregate", std::move(*consumer), stage);
    runner->start();
    return runner;
  }

  // The result of group `group` of frame `frame` (of `groups` groups).
  messages::AssessmentResult result(int frame, int group, int groups,
                                    messages::RiskLevel level = messages::RiskLevel::kLow) {
    messages::AssessmentResult r;
    r.cameraId = camera_;
    r.requestId = camera_ + "-f" + std::to_string(frame);
    r.groupId = "g" + std::to_string(group);
    r.groupIndex = group;
    r.taskId = r.requestId + ":" + r.groupId;
    r.captureTs = 1'000'000 + frame * 1'000;
    r.frameTaskCount = groups;
    messages::RiskAssessment assessment;
    assessment.maxRiskLevel = level;
    assessment.hasDangerousDriving = level >= messages::RiskLevel::kHigh;
    assessment.results.push_back({group, level, 0.8, {"tailgating"}, "", 2, {1, 2}});
    r.riskAssessment = assessment;
    return r;
  }

  void send(const messages::AssessmentResult& r) {
    ASSERT_TRUE(producer_->send_and_wait(kafka_.topics.risk_assessment_results.name, r.cameraId,
                                         messages::encode(r)));
  }

  config::KafkaConfig kafka_;
  std::unique_ptr<bus::EmbeddedBroker> broker_;
  std::unique_ptr<bus::Producer> producer_;
  std::unique_ptr<bus::DeadLetterPublisher> dead_letters_;
  std::string camera_ = "cam-" + random_hex_id(4);
};

TEST_F(AggregateStageTest, ReplayingTheResultTopicTwiceStoresEachResultOnce) {
  testing::TestRedis redis;
  auto store = redis_store(redis);
  constexpr int kFrames = 6;
  for (int frame = 0; frame < kFrames; ++frame) {
    for (int group = 0; group < 2; ++group) {
      send(result(frame, group, 2,
                  frame == 3 ? messages::RiskLevel::kHigh : messages::RiskLevel::kLow));
    }
  }
  AggregateStage first(*store, *dead_letters_, SystemClock::instance());
  {
    auto runner = run(first, "aggregate-a");
    ASSERT_TRUE(eventually([&] { return store->history(camera_, 0, 100)->size() == kFrames; }));
    runner->stop();
  }
  EXPECT_EQ(first.applied(), 2 * kFrames);
  const auto latest = json::parse(store->latest(camera_)->value());
  EXPECT_EQ(latest["requestId"], camera_ + "-f5");
  EXPECT_EQ(latest["receivedResults"], 2);
  EXPECT_EQ(latest["partial"], false);
  ASSERT_EQ(store->alerts(camera_, 100)->size(), 2u);  // frame 3's two groups

  // The whole topic again, as a new consumer group (or a crash) would replay it.
  AggregateStage second(*store, *dead_letters_, SystemClock::instance());
  auto runner = run(second, "aggregate-b");
  ASSERT_TRUE(eventually([&] { return second.replays() == 2 * kFrames; }));
  runner->stop();
  EXPECT_EQ(second.applied(), 0);
  EXPECT_EQ(store->history(camera_, 0, 100)->size(), static_cast<size_t>(kFrames));
  EXPECT_EQ(store->alerts(camera_, 100)->size(), 2u);
  EXPECT_EQ(json::parse(store->latest(camera_)->value()), latest);
}

TEST_F(AggregateStageTest, AFrameMissingAResultIsPublishedPartialAfterTheTimeout) {
  testing::TestRedis redis;
  auto store = redis_store(redis);
  ManualClock clock;
  AggregateOptions options;
  options.partial_timeout = Millis(15'000);
  AggregateStage stage(*store, *dead_letters_, clock, options);
  auto runner = run(stage, "aggregate");

  send(result(1, 0, 2));  // group 1's result never comes (yet)
  ASSERT_TRUE(eventually([&] { return stage.applied() == 1; }));
  std::this_thread::sleep_for(300ms);  // ticks run; nothing is due yet
  EXPECT_FALSE(store->latest(camera_)->has_value());

  clock.advance(Millis(15'000));
  ASSERT_TRUE(eventually([&] { return store->latest(camera_)->has_value(); }));
  const auto view = json::parse(store->latest(camera_)->value());
  EXPECT_EQ(view["partial"], true);
  EXPECT_EQ(view["receivedResults"], 1);
  EXPECT_EQ(view["expectedResults"], 2);

  // The straggler is stored by its taskId but does not reopen the frame.
  const auto straggler = result(1, 1, 2);
  send(straggler);
  ASSERT_TRUE(eventually([&] { return stage.applied() == 2; }));
  EXPECT_TRUE(store->result(straggler.taskId)->has_value());
  EXPECT_EQ(json::parse(store->latest(camera_)->value()), view);
  runner->stop();
}

TEST_F(AggregateStageTest, ResultsSentWhileRedisIsDownAreStoredWhenItIsBack) {
  testing::TestRedis redis{testing::TestRedis::Private{}};
  auto store = redis_store(redis);
  AggregateStage stage(*store, *dead_letters_, SystemClock::instance());
  auto runner = run(stage, "aggregate");
  send(result(0, 0, 1));
  ASSERT_TRUE(eventually([&] { return store->history(camera_, 0, 10)->size() == 1; }));

  redis.kill();
  for (int frame = 1; frame <= 3; ++frame) send(result(frame, 0, 1));
  std::this_thread::sleep_for(1s);  // the stage retries meanwhile
  ASSERT_TRUE(redis.restart());
  ASSERT_TRUE(eventually([&] { return store->history(camera_, 0, 10)->size() == 3; }));
  // The first frame died with the server (no persistence); the three sent
  // during the outage were all stored once it was back.
  EXPECT_EQ(stage.applied(), 4);
  runner->stop();
}

}  // namespace
}  // namespace tmon::aggregate
