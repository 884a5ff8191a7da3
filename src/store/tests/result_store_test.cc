// The same contract for both result stores: Redis (a real redis-server) and
// the in-process stand-in, so `tmon up` without Redis behaves like a
// deployment with it.
#include <gtest/gtest.h>

#include "common/ids.h"
#include "redis_server.h"
#include "store/memory_result_store.h"
#include "store/redis_result_store.h"

namespace tmon::store {
namespace {

using namespace std::chrono_literals;

class ResultStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  ResultStorePtr make(StoreOptions options = {}) {
    if (GetParam() == "memory") return std::make_shared<MemoryResultStore>(options, clock_);
    if (!redis_) redis_ = std::make_unique<testing::TestRedis>();
    auto client = std::make_shared<RedisClient>(*RedisAddress::parse(redis_->url()), Millis(2000));
    return std::make_shared<RedisResultStore>(client, options);
  }

  // Ids unique per test, so tests sharing one redis-server do not meet.
  std::string id(const std::string& name) { return name + "-" + suffix_; }

  ResultWrite result(const std::string& task, const std::string& frame) {
    return {id(task), id("cam"), id(frame), R"({"taskId":")" + id(task) + R"("})"};
  }

  FrameWrite frame(const std::string& frame, int64_t capture_ts,
                   std::vector<AlertWrite> alerts = {}, std::vector<std::string> ended = {},
                   bool high_risk = false) {
    const std::string view =
        R"({"requestId":")" + id(frame) + R"(","captureTs":)" + std::to_string(capture_ts);
    return {.camera_id = id("cam"),
            .request_id = id(frame),
            .capture_ts = capture_ts,
            .view_json = view + R"(,"groupImages":[{"imageBase64":"/9j/"}]})",
            .history_json = view + R"(,"groupImages":[{}]})",
            .high_risk = high_risk,
            .alerts = std::move(alerts),
            .ended_alert_groups = std::move(ended)};
  }

  ManualClock clock_;
  std::unique_ptr<testing::TestRedis> redis_;
  std::string suffix_ = random_hex_id(4);
};

TEST_P(ResultStoreContract, StoresATaskOnceAndHoldsItWithItsFrame) {
  auto store = make();
  const auto first = store->apply(result("t1", "f1"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->first_time);
  EXPECT_EQ(first->frame_results, 1);
  EXPECT_FALSE(first->frame_published);

  const auto replay = store->apply(result("t1", "f1"));
  ASSERT_TRUE(replay);
  EXPECT_FALSE(replay->first_time);
  EXPECT_EQ(replay->frame_results, 1);

  EXPECT_EQ(store->apply(result("t2", "f1"))->frame_results, 2);
  EXPECT_EQ(store->frame_results(id("f1"))->size(), 2u);
  EXPECT_EQ(store->result(id("t1"))->value(), R"({"taskId":")" + id("t1") + R"("})");
  EXPECT_FALSE(store->latest(id("cam"))->has_value());  // nothing published yet
}

TEST_P(ResultStoreContract, PublishesAFrameOnce) {
  auto store = make();
  ASSERT_TRUE(store->apply(result("t1", "f1")));
  const auto published = store->publish_frame(frame("f1", 100));
  ASSERT_TRUE(published) << published.error().message;
  EXPECT_TRUE(*published);
  EXPECT_EQ(store->latest(id("cam"))->value(), frame("f1", 100).view_json);
  EXPECT_TRUE(store->frame_results(id("f1"))->empty());  // no longer held

  EXPECT_FALSE(*store->publish_frame(frame("f1", 100)));  // a replay changes nothing
  EXPECT_EQ(store->history(id("cam"), 0, 10)->size(), 1u);

  // A result arriving after its frame went out is stored, not held.
  const auto late = store->apply(result("t2", "f1"));
  EXPECT_TRUE(late->first_time);
  EXPECT_TRUE(late->frame_published);
  EXPECT_TRUE(store->result(id("t2"))->has_value());
  EXPECT_TRUE(store->frame_results(id("f1"))->empty());
}

TEST_P(ResultStoreContract, HistoryIsNewestFirstCappedAndOlderFramesDoNotBecomeLatest) {
  auto store = make({.history_size = 3});
  for (int64_t ts : {300, 100, 500, 200, 400}) {
    ASSERT_TRUE(*store->publish_frame(frame("f" + std::to_string(ts), ts)));
  }
  EXPECT_EQ(store->latest(id("cam"))->value(), frame("f500", 500).view_json);
  const auto history = store->history(id("cam"), 0, 10);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  // The history keeps the view without its crops.
  EXPECT_EQ((*history)[0], frame("f500", 500).history_json);
  EXPECT_EQ((*history)[2], frame("f300", 300).history_json);
  EXPECT_EQ(store->history(id("cam"), 350, 10)->size(), 2u);
  EXPECT_EQ(store->history(id("cam"), 0, 1)->size(), 1u);
}

TEST_P(ResultStoreContract, ContinuedAlertsTakeTheirPredecessorsPlace) {
  auto store = make({.alerts_size = 3});
  ASSERT_TRUE(*store->publish_frame(frame("f1", 100, {{"g1", R"({"a":1})", ""}})));
  ASSERT_TRUE(*store->publish_frame(frame("f2", 200, {{"g1", R"({"a":2})", R"({"a":1})"}})));
  ASSERT_TRUE(*store->publish_frame(frame("f3", 300, {{"g2", R"({"b":1})", ""}})));
  EXPECT_EQ(*store->alerts(id("cam"), 10), (std::vector<std::string>{R"({"b":1})", R"({"a":2})"}));
  const auto everywhere = store->alerts("", 100);
  ASSERT_TRUE(everywhere);
  EXPECT_NE(std::find(everywhere->begin(), everywhere->end(), R"({"a":2})"), everywhere->end());
  EXPECT_EQ(std::find(everywhere->begin(), everywhere->end(), R"({"a":1})"), everywhere->end());
  EXPECT_EQ(*store->active_alerts(id("cam")),
            (std::map<std::string, std::string>{{"g1", R"({"a":2})"}, {"g2", R"({"b":1})"}}));

  // An ended alert leaves the active set but stays in the list; the list is capped.
  ASSERT_TRUE(*store->publish_frame(frame("f4", 400, {{"g3", R"({"c":1})", ""}}, {"g1"})));
  ASSERT_TRUE(*store->publish_frame(frame("f5", 500, {{"g4", R"({"d":1})", ""}})));
  EXPECT_EQ(*store->alerts(id("cam"), 10),
            (std::vector<std::string>{R"({"d":1})", R"({"c":1})", R"({"b":1})"}));
  EXPECT_FALSE(store->active_alerts(id("cam"))->contains("g1"));
  EXPECT_EQ(store->alerts(id("cam"), 1)->size(), 1u);
}

TEST_P(ResultStoreContract, HighRiskViewsGoOntoTheOriginalsAlertList) {
  auto store = make({.alerts_size = 1, .high_risk_views_size = 2});
  ASSERT_TRUE(*store->publish_frame(frame("f1", 100, {}, {}, true)));
  ASSERT_TRUE(*store->publish_frame(frame("f2", 200)));
  ASSERT_TRUE(*store->publish_frame(frame("f3", 300, {}, {}, true)));
  ASSERT_TRUE(*store->publish_frame(frame("f4", 400, {}, {}, true)));
  // Newest first, capped, full views (crops included), as the original kept them.
  EXPECT_EQ(*store->high_risk_views(id("cam"), 10),
            (std::vector<std::string>{frame("f4", 400).view_json, frame("f3", 300).view_json}));
  EXPECT_EQ(store->high_risk_views(id("cam"), 1)->size(), 1u);
  EXPECT_TRUE(store->alerts(id("cam"), 10)->empty());  // tmon's records are apart
}

TEST_P(ResultStoreContract, KeepsAFramesDetectionForItsView) {
  auto store = make();
  EXPECT_FALSE(store->detection(id("f1"))->has_value());
  ASSERT_TRUE(store->put_detection(id("f1"), R"({"detectedObjects":[]})"));
  EXPECT_EQ(store->detection(id("f1"))->value(), R"({"detectedObjects":[]})");
}

INSTANTIATE_TEST_SUITE_P(Stores, ResultStoreContract, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

FrameWrite view(const std::string& camera, const std::string& frame, int64_t capture_ts,
                const std::string& json) {
  FrameWrite write;
  write.camera_id = camera;
  write.request_id = frame;
  write.capture_ts = capture_ts;
  write.view_json = json;
  write.history_json = json;
  return write;
}

TEST(MemoryResultStoreTest, EntriesExpireAfterTheirTtl) {
  ManualClock clock;
  MemoryResultStore store(
      {.result_ttl_seconds = 10, .latest_ttl_seconds = 5, .detection_ttl_seconds = 3}, clock);
  ASSERT_TRUE(store.apply({"t1", "cam-1", "f1", "{}"}));
  ASSERT_TRUE(store.put_detection("f1", "{}"));
  ASSERT_TRUE(*store.publish_frame(view("cam-1", "f1", 100, R"({"v":1})")));
  clock.advance(2999ms);
  EXPECT_TRUE(store.detection("f1")->has_value());
  clock.advance(1ms);
  EXPECT_FALSE(store.detection("f1")->has_value());
  clock.advance(2s);
  EXPECT_FALSE(store.latest("cam-1")->has_value());
  EXPECT_TRUE(store.result("t1")->has_value());
  clock.advance(5s);
  EXPECT_FALSE(store.result("t1")->has_value());
  // Past the replay window a taskId is new again, exactly as with Redis TTLs.
  EXPECT_TRUE(store.apply({"t1", "cam-1", "f1", "{}"})->first_time);
}

TEST(MemoryResultStoreTest, TellsItsListenerAboutNewLatestViews) {
  ManualClock clock;
  MemoryResultStore store({}, clock);
  std::vector<std::string> heard;
  store.on_publish([&](const std::string& camera, const std::string& view) {
    heard.push_back(camera + " " + view);
  });
  ASSERT_TRUE(*store.publish_frame(view("cam-1", "f2", 200, "new")));
  ASSERT_TRUE(*store.publish_frame(view("cam-1", "f1", 100, "old")));
  EXPECT_EQ(heard, std::vector<std::string>{"cam-1 new"});
}

TEST(RedisResultStoreTest, SetsTtlsOnWhatItStores) {
  testing::TestRedis redis;
  auto client = std::make_shared<RedisClient>(*RedisAddress::parse(redis.url()), Millis(2000));
  RedisResultStore store(client, {});
  const std::string task = random_hex_id();
  const std::string camera = "cam-" + random_hex_id(4);
  ASSERT_TRUE(store.apply({task, camera, "f-" + task, "{}"}));
  ASSERT_TRUE(store.put_detection("f-" + task, "{}"));
  FrameWrite high = view(camera, "f-" + task, 1, R"({"captureTs":1})");
  high.high_risk = true;
  ASSERT_TRUE(*store.publish_frame(high));
  for (const auto& [key, at_most] :
       std::vector<std::pair<std::string, int64_t>>{{latest_key(camera), 3600},
                                                    {latest_capture_key(camera), 3600},
                                                    {result_key(task), 86400},
                                                    {history_key(camera), 86400},
                                                    {high_risk_views_key(camera), 86400},
                                                    {detection_key("f-" + task), 60},
                                                    {frame_published_key("f-" + task), 86400}}) {
    const auto ttl = client->command({"TTL", key});
    ASSERT_TRUE(ttl);
    EXPECT_GT(ttl->integer, 0) << key;
    EXPECT_LE(ttl->integer, at_most) << key;
  }
  EXPECT_EQ(client->command({"EXISTS", frame_key("f-" + task)})->integer, 0);
}

}  // namespace
}  // namespace tmon::store
