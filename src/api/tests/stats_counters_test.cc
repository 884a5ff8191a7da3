// Per-minute counters behind /api/stats/summary: what a frame adds, the
// percentiles, the route; the Redis form in the fixture tests.
#include "api/stats_counters.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "api/stats_routes.h"
#include "api/tests/test_views.h"
#include "store/memory_result_store.h"

namespace tmon::api {
namespace {

using nlohmann::json;

store::FrameWrite frame_with(std::vector<std::pair<std::string, int64_t>> tasks,
                             std::vector<store::AlertWrite> alerts, const std::string& id) {
  json view{{"cameraId", "c"}, {"tasks", json::array()}};
  for (const auto& [status, latency] : tasks) {
    view["tasks"].push_back({{"status", status}, {"metadata", {{"llmLatencyMs", latency}}}});
  }
  store::FrameWrite frame;
  frame.camera_id = "c";
  frame.request_id = id;
  frame.view_json = frame.history_json = view.dump();
  frame.alerts = std::move(alerts);
  return frame;
}

store::AlertWrite alert(messages::RiskLevel level, std::string replaces = "") {
  messages::Alert alert;
  alert.alertId = "a";
  alert.cameraId = "c";
  alert.groupId = "g";
  alert.riskLevel = level;
  return {"g", messages::encode(alert, 0), std::move(replaces)};
}

TEST(StatsCountersTest, AFrameCountsItsCallsErrorsLatenciesAndNewAlertsOnly) {
  const auto counts = frame_counts(frame_with(
      {{"ok", 120}, {"ok", 900}, {"error", 0}},
      {alert(messages::RiskLevel::kHigh), alert(messages::RiskLevel::kHigh, "{\"older\":1}")},
      "r"));
  EXPECT_EQ(counts.calls, 3);
  EXPECT_EQ(counts.errors, 1);
  EXPECT_EQ(counts.latencies_ms, (std::vector<int64_t>{120, 900}));
  EXPECT_EQ(counts.alerts_by_level, (std::map<std::string, int64_t>{{"high", 1}}));
}

TEST(StatsCountersTest, PercentilesAreTheBoundOfTheirBucket) {
  std::array<int64_t, kLatencyBuckets> histogram{};
  EXPECT_EQ(latency_percentile(histogram, 0.5), 0);
  for (int i = 0; i < 90; ++i) ++histogram[latency_bucket(150)];   // <= 200
  for (int i = 0; i < 10; ++i) ++histogram[latency_bucket(2500)];  // <= 3000
  EXPECT_EQ(latency_percentile(histogram, 0.5), 200);
  EXPECT_EQ(latency_percentile(histogram, 0.95), 3000);
  EXPECT_EQ(latency_bucket(100), 0u);  // a bound belongs to its bucket
  EXPECT_EQ(latency_bucket(100'000), kLatencyBoundsMs.size());
}

TEST(StatsCountersTest, OnlyFramesPublishedTheFirstTimeAreCounted) {
  ManualClock clock;
  auto inner = std::make_shared<store::MemoryResultStore>(store::StoreOptions{}, clock);
  auto counters = std::make_shared<MemoryStatsCounters>();
  CountingResultStore store(inner, counters, clock);
  const auto frame = frame_with({{"ok", 100}}, {}, "r1");
  ASSERT_TRUE(*store.publish_frame(frame));
  ASSERT_FALSE(*store.publish_frame(frame));  // a replay
  const auto minutes = *counters->read(clock.epoch_ms(), 1);
  ASSERT_EQ(minutes.size(), 1u);
  EXPECT_EQ(minutes[0].calls, 1);
}

TEST(StatsCountersTest, SummaryRouteSumsTheWindowAndKeepsEmptyMinutes) {
  ManualClock clock(60'000 * 1000);
  auto counters = std::make_shared<MemoryStatsCounters>();
  ASSERT_TRUE(counters->add(clock.epoch_ms(),
                            frame_counts(frame_with({{"ok", 100}, {"ok", 100}},
                                                    {alert(messages::RiskLevel::kHigh)}, "a"))));
  clock.advance(std::chrono::minutes(2));
  ASSERT_TRUE(counters->add(clock.epoch_ms(), frame_counts(frame_with({{"ok", 1000}}, {}, "b"))));
  http::Router router;
  add_stats_routes(router, counters, clock, [] {
    return std::map<std::string, int64_t>{{"detection-results", 7}};
  });
  const auto call = [&](const std::string& target) {
    boost::asio::io_context io;
    const http::Request request{http::Verb::get, target, 11};  // outlives the coroutine
    auto future = boost::asio::co_spawn(io, router.dispatch(request), boost::asio::use_future);
    io.run();
    return future.get();
  };
  const auto reply = call("/api/stats/summary?windowMinutes=5");
  ASSERT_EQ(reply.result(), http::Status::ok) << reply.body();
  const auto body = json::parse(reply.body())["data"];
  EXPECT_EQ(body["calls"], 3);
  EXPECT_DOUBLE_EQ(body["callsPerMinute"].get<double>(), 0.6);
  EXPECT_EQ(body["latencyMs"]["p50"], 100);
  EXPECT_EQ(body["latencyMs"]["p95"], 1000);
  EXPECT_EQ(body["alertsByLevel"]["high"], 1);
  ASSERT_EQ(body["minutes"].size(), 5u);
  EXPECT_EQ(body["minutes"][2]["calls"], 2);
  EXPECT_EQ(body["minutes"][3]["calls"], 0);
  EXPECT_EQ(body["minutes"][4]["calls"], 1);
  EXPECT_EQ(body["kafkaLag"]["detection-results"], 7);
  EXPECT_EQ(call("/api/stats/summary?windowMinutes=0").result(), http::Status::bad_request);
  EXPECT_EQ(call("/api/stats/summary?windowMinutes=999").result(), http::Status::bad_request);
}

}  // namespace
}  // namespace tmon::api
