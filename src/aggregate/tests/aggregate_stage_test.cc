// The aggregator against real parts: the embedded Kafka broker and a real
// redis-server. Replays store nothing twice, a frame missing a result is
// published partial after the timeout, a Redis outage loses nothing, and a
// frame's view is its detection merged with its results (COMPAT.md §3).
#include "aggregate/aggregate_stage.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "bus/consumer.h"
#include "bus/embedded_broker.h"
#include "bus/producer.h"
#include "common/ids.h"
#include "eventually.h"
#include "messages/codec.h"
#include "messages/frame_view.h"
#include "redis_server.h"
#include "store/redis_result_store.h"

namespace tmon::aggregate {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;

messages::FrameView view_of(const std::optional<std::string>& stored) {
  EXPECT_TRUE(stored.has_value());
  auto view = messages::decode_frame_view(stored.value_or("{}"));
  EXPECT_TRUE(view) << view.error().message;
  return view ? *view : messages::FrameView{};
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
    sender_ = std::make_unique<bus::RetryingSender>(*producer_, SystemClock::instance());
    dead_letters_ = std::make_unique<bus::DeadLetterPublisher>(
        *sender_, kafka_.topics.dead_letter.name, "aggregate", SystemClock::instance());
  }

  std::shared_ptr<store::RedisResultStore> redis_store(const testing::TestRedis& redis) {
    auto client =
        std::make_shared<store::RedisClient>(*store::RedisAddress::parse(redis.url()), Millis(500));
    return std::make_shared<store::RedisResultStore>(client, store::StoreOptions{});
  }

  std::unique_ptr<bus::StageRunner> run(AggregateStage& stage, const std::string& group,
                                        bool with_detections = false) {
    std::vector<std::string> topics{kafka_.topics.risk_assessment_results.name};
    if (with_detections) topics.push_back(kafka_.topics.detection_results.name);
    auto consumer = bus::Consumer::create(kafka_, {group, topics, "aggregate"});
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
    r.captureTs = base_ts_ + frame * 1'000;
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
  void send(const std::string& topic, const std::string& json) {
    ASSERT_TRUE(producer_->send_and_wait(topic, camera_, json));
  }

  // The detection of frame `frame`, with `groups` groups of two cars each.
  messages::DetectionResult detection(int frame, int groups) {
    messages::DetectionResult d;
    d.cameraId = camera_;
    d.requestId = camera_ + "-f" + std::to_string(frame);
    d.captureTs = base_ts_ + frame * 1'000;
    d.detectedTs = d.captureTs + 30;
    d.imageWidth = 640;
    d.imageHeight = 360;
    for (int group = 0; group < groups; ++group) {
      const int a = 2 * group, b = 2 * group + 1;
      const double x = 100.0 * group;
      d.detectedObjects.push_back({a, "car", 2, 0.9, {x, 10, x + 40, 30}});
      d.detectedObjects.push_back({b, "car", 2, 0.8, {x + 45, 10, x + 85, 30}});
      d.trafficGroups.push_back(
          {group, "g" + std::to_string(group), {a, b}, {x, 10, x + 85, 30}, {}, {}});
      d.groupImages.push_back({group, "g" + std::to_string(group), "/9j/crop", 85, 20});
    }
    d.thumbnailBase64 = "dGh1bWI=";
    return d;
  }

  config::KafkaConfig kafka_;
  std::unique_ptr<bus::EmbeddedBroker> broker_;
  std::unique_ptr<bus::RetryingSender> sender_;
  std::unique_ptr<bus::Producer> producer_;
  std::unique_ptr<bus::DeadLetterPublisher> dead_letters_;
  // Capture times near now: the stage dead-letters results far from it.
  int64_t base_ts_ = SystemClock::instance().epoch_ms();
  prometheus::Registry registry_;
  AggregateMetrics metrics_{registry_};
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
  // The original's alerts:{id}: the one high-risk frame's merged view.
  const auto high_risk = store->high_risk_views(camera_, 100);
  ASSERT_EQ(high_risk->size(), 1u);
  EXPECT_EQ(view_of(high_risk->front()).requestId, camera_ + "-f3");

  // The whole topic again, as a new consumer group (or a crash) would replay it.
  AggregateStage second(*store, *dead_letters_, SystemClock::instance());
  auto runner = run(second, "aggregate-b");
  ASSERT_TRUE(eventually([&] { return second.replays() == 2 * kFrames; }));
  runner->stop();
  EXPECT_EQ(second.applied(), 0);
  EXPECT_EQ(store->history(camera_, 0, 100)->size(), static_cast<size_t>(kFrames));
  EXPECT_EQ(store->alerts(camera_, 100)->size(), 2u);
  EXPECT_EQ(store->high_risk_views(camera_, 100)->size(), 1u);
  EXPECT_EQ(json::parse(store->latest(camera_)->value()), latest);
}

TEST_F(AggregateStageTest, AFrameMissingAResultIsPublishedPartialAfterTheTimeout) {
  testing::TestRedis redis;
  auto store = redis_store(redis);
  ManualClock clock(base_ts_);
  AggregateOptions options;
  options.partial_timeout = Millis(15'000);
  AggregateStage stage(*store, *dead_letters_, clock, options);
  auto runner = run(stage, "aggregate");

  send(result(1, 0, 2));  // group 1's result never comes (yet)
  ASSERT_TRUE(eventually([&] { return stage.applied() == 1; }));
  // A millisecond before the timeout nothing is due; frame 2 (complete),
  // stored after frame 1 was considered, proves the stage went past it.
  clock.advance(Millis(14'999));
  send(result(2, 0, 1));
  ASSERT_TRUE(eventually([&] { return store->latest(camera_)->has_value(); }));
  EXPECT_EQ(view_of(*store->latest(camera_)).requestId, camera_ + "-f2");
  EXPECT_EQ(store->history(camera_, 0, 10)->size(), 1u);

  clock.advance(Millis(1));
  ASSERT_TRUE(eventually([&] { return store->history(camera_, 0, 10)->size() == 2; }));
  const auto history = store->history(camera_, 0, 10);  // newest first: frame 2, then 1
  ASSERT_EQ(history->size(), 2u);
  const auto view = view_of(history->back());
  EXPECT_EQ(view.requestId, camera_ + "-f1");
  EXPECT_TRUE(view.partial);
  EXPECT_EQ(view.receivedResults(), 1);
  EXPECT_EQ(view.expectedResults, 2);

  // The straggler is stored by its taskId but does not reopen the frame.
  const auto straggler = result(1, 1, 2);
  send(straggler);
  ASSERT_TRUE(eventually([&] { return stage.applied() == 3; }));
  EXPECT_TRUE(store->result(straggler.taskId)->has_value());
  EXPECT_EQ(store->history(camera_, 0, 10)->size(), 2u);
  runner->stop();
}

TEST_F(AggregateStageTest, ResultsSentWhileRedisIsDownAreStoredWhenItIsBack) {
  testing::TestRedis redis{testing::TestRedis::Private{}};
  auto store = redis_store(redis);
  AggregateStage stage(*store, *dead_letters_, SystemClock::instance(), {}, &metrics_);
  auto runner = run(stage, "aggregate");
  send(result(0, 0, 1));
  ASSERT_TRUE(eventually([&] { return store->history(camera_, 0, 10)->size() == 1; }));

  redis.kill();
  for (int frame = 1; frame <= 3; ++frame) send(result(frame, 0, 1));
  // The stage retries meanwhile: seen as failed store calls.
  ASSERT_TRUE(eventually([&] { return metrics_.store_errors.Value() >= 2; }));
  ASSERT_TRUE(redis.restart());
  ASSERT_TRUE(eventually([&] { return store->history(camera_, 0, 10)->size() == 3; }));
  // The first frame died with the server (no persistence); the three sent
  // during the outage were all stored once it was back.
  EXPECT_EQ(stage.applied(), 4);
  runner->stop();
}

TEST_F(AggregateStageTest, AStopDuringARedisOutageIsNotHeldUpByTheRetries) {
  testing::TestRedis redis{testing::TestRedis::Private{}};
  auto store = redis_store(redis);
  AggregateStage stage(*store, *dead_letters_, SystemClock::instance(), {}, &metrics_);
  auto runner = run(stage, "aggregate");
  redis.kill();
  send(result(0, 0, 1));
  ASSERT_TRUE(eventually([&] { return metrics_.store_errors.Value() >= 2; }));
  // The handler is inside its retry loop: stop() cuts it short.
  const auto asked = std::chrono::steady_clock::now();
  runner->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 3s);
  EXPECT_EQ(stage.applied(), 0);  // not stored, so not committed: replayed later
}

TEST_F(AggregateStageTest, AMalformedAlertRecordInRedisIsSkippedAndCounted) {
  testing::TestRedis redis;
  auto store = redis_store(redis);
  store::RedisClient client(*store::RedisAddress::parse(redis.url()), Millis(500));
  // What anyone with access to Redis could leave there: not JSON, times that
  // would overflow the display window, a count past any real one.
  ASSERT_TRUE(client.command({"HSET", store::active_alerts_key(camera_), "g0", "{not json", "g1",
                              R"({"riskLevel":"high","lastUpdatedTs":9223372036854775807})", "g2",
                              R"({"riskLevel":"high","updateCount":2147483647})"}));
  AggregateStage stage(*store, *dead_letters_, SystemClock::instance(), {}, &metrics_);
  auto runner = run(stage, "aggregate");
  send(result(0, 0, 1, messages::RiskLevel::kHigh));
  send(result(1, 1, 1, messages::RiskLevel::kLow));
  // Both frames are published, the bad records skipped (and, being ended,
  // cleared away) rather than failing the frame.
  ASSERT_TRUE(eventually([&] { return store->history(camera_, 0, 10)->size() == 2; }));
  EXPECT_GE(metrics_.bad_records.Add({{"kind", "alert"}}).Value(), 3);
  EXPECT_EQ(store->active_alerts(camera_)->count("g2"), 0u);
  runner->stop();
}

// The stage as the pipeline runs it: on the results and the frames' detections.
class WithDetectionsTest : public AggregateStageTest {
 protected:
  void SetUp() override {
    AggregateStageTest::SetUp();
    store_ = redis_store(redis_);
    AggregateOptions options;
    options.detections_topic = kafka_.topics.detection_results.name;
    stage_ = std::make_unique<AggregateStage>(*store_, *dead_letters_, SystemClock::instance(),
                                              options, &metrics_);
    runner_ = run(*stage_, "aggregate", true);
  }
  void TearDown() override { runner_->stop(); }

  void send_detection(const std::string& json) { send(kafka_.topics.detection_results.name, json); }

  testing::TestRedis redis_;
  std::shared_ptr<store::RedisResultStore> store_;
  std::unique_ptr<AggregateStage> stage_;
  std::unique_ptr<bus::StageRunner> runner_;
};

TEST_F(WithDetectionsTest, TheViewIsTheFramesDetectionMergedWithItsResults) {
  const auto frame = detection(1, 2);
  send_detection(messages::encode(frame));
  ASSERT_TRUE(eventually([&] { return stage_->detections() == 1; }));
  send(result(1, 0, 2, messages::RiskLevel::kHigh));
  send(result(1, 1, 2));
  ASSERT_TRUE(eventually([&] { return store_->latest(camera_)->has_value(); }));

  const auto view = view_of(*store_->latest(camera_));
  ASSERT_TRUE(view.detection);
  messages::DetectionResult expected = frame;
  expected.thumbnailBase64.clear();  // the live frame is not stored
  EXPECT_EQ(*view.detection, expected);
  EXPECT_EQ(view.results.size(), 2u);
  EXPECT_EQ(view.maxRiskLevel, messages::RiskLevel::kHigh);
  // The history keeps the view without the crops.
  const auto history = view_of(store_->history(camera_, 0, 1)->front());
  EXPECT_TRUE(history.detection->groupImages[0].imageBase64.empty());
  EXPECT_EQ(history.detection->detectedObjects, frame.detectedObjects);
}

TEST_F(WithDetectionsTest, OriginalResultsAreCountedAgainstTheFramesGroups) {
  // The original's results carry no frameTaskCount; its aggregator waited
  // for one result per group of the frame's detection, as this one does.
  send_detection(messages::encode(detection(4, 3)));
  ASSERT_TRUE(eventually([&] { return stage_->detections() == 1; }));
  for (int group = 0; group < 3; ++group) {
    json original = json::parse(messages::encode(result(4, group, 1)));
    for (const char* tmon_only : {"schemaVersion", "frameTaskCount", "status", "taskId"}) {
      original.erase(tmon_only);
    }
    send(kafka_.topics.risk_assessment_results.name, original.dump());
    ASSERT_TRUE(eventually([&] { return stage_->applied() == group + 1; }));
  }
  ASSERT_TRUE(eventually([&] { return store_->latest(camera_)->has_value(); }));
  const auto view = view_of(*store_->latest(camera_));
  // Published once, with all three: not before the last group's result.
  EXPECT_EQ(view.receivedResults(), 3);
  EXPECT_EQ(view.expectedResults, 3);
  EXPECT_FALSE(view.partial);
}

TEST_F(WithDetectionsTest, FramesWithoutGroupsAreNotKept) {
  const auto empty = detection(5, 0);
  send_detection(messages::encode(empty));
  send_detection("not json");
  send_detection(messages::encode(detection(6, 1)));
  ASSERT_TRUE(eventually([&] { return stage_->detections() == 1; }));
  EXPECT_EQ(metrics_.detections.Add({{"outcome", "no_groups"}}).Value(), 1);
  EXPECT_EQ(metrics_.detections.Add({{"outcome", "undecodable"}}).Value(), 1);
  EXPECT_FALSE(store_->detection(empty.requestId)->has_value());
  EXPECT_TRUE(store_->detection(camera_ + "-f6")->has_value());
}

}  // namespace
}  // namespace tmon::aggregate
