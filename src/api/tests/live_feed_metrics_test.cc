#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/live_feed.h"
#include "api/tests/test_views.h"
#include "metrics/exposition.h"

namespace tmon::api {
namespace {

std::string view(const std::string& camera) {
  return views::view_json(camera, 1);
}

TEST(LiveFeedMetricsTest, MirrorTheFeedsStatsAtEachUpdate) {
  ManualClock clock;
  LiveFeedOptions options;
  options.max_queued = 1;
  LiveFeed feed(clock, options);
  prometheus::Registry registry;
  LiveFeedMetrics metrics(registry);
  // A client that never finishes a write: one message on the wire, one
  // queued, the rest dropped.
  std::vector<std::function<void()>> stuck;
  auto subscription = feed.subscribe("", [&stuck](const std::string&, std::function<void()> done) {
    stuck.push_back(std::move(done));
  });
  for (int i = 0; i < 4; ++i) feed.publish("cam-1", view("cam-1"));

  metrics.update(feed.stats(), true);
  EXPECT_EQ(metrics.messages.Value(), 4);
  EXPECT_EQ(metrics.dropped.Value(), 2);
  EXPECT_EQ(metrics.subscribers.Value(), 1);
  EXPECT_EQ(metrics.subscriber_connected.Value(), 1);

  feed.publish("cam-1", view("cam-1"));
  metrics.update(feed.stats(), false);
  EXPECT_EQ(metrics.messages.Value(), 5);
  EXPECT_EQ(metrics.subscriber_connected.Value(), 0);

  const std::string text = metrics::serialize(registry);
  EXPECT_NE(text.find("live_feed_messages_total 5"), std::string::npos) << text;
  EXPECT_NE(text.find("live_subscriber_connected 0"), std::string::npos) << text;
  for (auto& done : stuck) done();
}

}  // namespace
}  // namespace tmon::api
