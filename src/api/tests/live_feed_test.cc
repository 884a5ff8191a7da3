#include "api/live_feed.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "api/tests/test_views.h"

namespace tmon::api {
namespace {

using nlohmann::json;

// A client transport the test drives: it holds each message "on the wire"
// until the test completes the write.
struct FakeClient {
  std::vector<std::string> received;
  std::vector<std::function<void()>> pending;

  LiveFeed::Deliver deliver() {
    return [this](const std::string& message, std::function<void()> written) {
      received.push_back(message);
      pending.push_back(std::move(written));
    };
  }
  // Completes the oldest write in progress.
  void complete() {
    auto written = std::move(pending.front());
    pending.erase(pending.begin());
    written();
  }
  std::string camera(size_t i) const { return json::parse(received.at(i))["data"]["cameraId"]; }
  int64_t capture_ts(size_t i) const { return json::parse(received.at(i))["data"]["captureTs"]; }
};

std::string view(const std::string& camera, int64_t capture_ts) {
  return views::view_json(camera, capture_ts);
}

class LiveFeedTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  LiveFeed feed_{clock_, [] {
                   LiveFeedOptions options;
                   options.max_queued = 3;
                   return options;
                 }()};
};

TEST_F(LiveFeedTest, EachViewBecomesADetectionResultInTheOriginalEnvelope) {
  FakeClient client;
  auto subscription = feed_.subscribe("cam-1", client.deliver());
  feed_.publish("cam-1", view("cam-1", 1'700'000'000'123));
  ASSERT_EQ(client.received.size(), 1u);
  const json message = json::parse(client.received[0]);
  EXPECT_EQ(message.size(), 2u);  // {type, data}
  EXPECT_EQ(message["type"], "detection_result");
  const json& data = message["data"];
  EXPECT_EQ(data["cameraId"], "cam-1");
  EXPECT_EQ(data["timestamp"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(data["hasDangerousDriving"], true);
  EXPECT_EQ(data["maxRiskLevel"], "high");
  EXPECT_EQ(data["riskAssessment"]["allGroupResults"][0]["riskLevel"], "high");
  // The view's group wears its colour, as the original front end draws it.
  EXPECT_EQ(data["trafficGroups"][0]["riskLevel"], "blue");
  EXPECT_EQ(data["trafficGroups"][0]["riskLevelRaw"], "high");
}

TEST_F(LiveFeedTest, RemembersEachCamerasNewestView) {
  EXPECT_EQ(feed_.newest("cam-1"), nullptr);
  feed_.publish("cam-1", view("cam-1", 20));
  feed_.publish("cam-1", view("cam-1", 10));  // older, stored late: not the newest
  feed_.publish("cam-2", view("cam-2", 5));
  ASSERT_NE(feed_.newest("cam-1"), nullptr);
  EXPECT_EQ(feed_.newest("cam-1")->captureTs, 20);
  EXPECT_EQ(feed_.newest("cam-2")->captureTs, 5);
}

TEST_F(LiveFeedTest, RemembersABoundedNumberOfCameras) {
  LiveFeedOptions options;
  options.max_cameras = 2;
  LiveFeed feed(clock_, options);
  feed.publish("cam-1", view("cam-1", 1));
  feed.publish("cam-2", view("cam-2", 2));
  feed.publish("cam-3", view("cam-3", 3));  // the camera heard from longest ago goes
  EXPECT_EQ(feed.newest("cam-1"), nullptr);
  EXPECT_NE(feed.newest("cam-2"), nullptr);
  EXPECT_NE(feed.newest("cam-3"), nullptr);
}

TEST_F(LiveFeedTest, FansOutPerCameraAndToAllCameraListeners) {
  FakeClient one, other, all;
  auto s1 = feed_.subscribe("cam-1", one.deliver());
  auto s2 = feed_.subscribe("cam-2", other.deliver());
  auto s3 = feed_.subscribe("", all.deliver());
  feed_.publish("cam-1", view("cam-1", 1));
  ASSERT_EQ(one.received.size(), 1u);
  EXPECT_EQ(one.camera(0), "cam-1");
  EXPECT_TRUE(other.received.empty());
  ASSERT_EQ(all.received.size(), 1u);
  EXPECT_EQ(all.received[0], one.received[0]);  // the same message for all
  EXPECT_EQ(feed_.stats().subscribers, 3u);
  EXPECT_EQ(feed_.stats().published, 1u);
}

TEST_F(LiveFeedTest, OneMessageInFlightPerClientTheRestQueuedInOrder) {
  FakeClient client;
  auto subscription = feed_.subscribe("cam", client.deliver());
  feed_.publish("cam", view("cam", 1));
  feed_.publish("cam", view("cam", 2));
  feed_.publish("cam", view("cam", 3));
  ASSERT_EQ(client.received.size(), 1u);  // the transport has not finished the first
  client.complete();
  ASSERT_EQ(client.received.size(), 2u);
  EXPECT_EQ(client.capture_ts(1), 2);
  client.complete();
  EXPECT_EQ(client.capture_ts(2), 3);
  client.complete();
  feed_.publish("cam", view("cam", 4));  // idle again: straight through
  EXPECT_EQ(client.received.size(), 4u);
  EXPECT_EQ(subscription->dropped(), 0u);
}

TEST_F(LiveFeedTest, SlowClientLosesTheOldestAndNeverHoldsUpOthers) {
  FakeClient slow, fast;
  auto s1 = feed_.subscribe("cam", slow.deliver());
  auto s2 = feed_.subscribe("cam", fast.deliver());
  for (int i = 1; i <= 6; ++i) {
    feed_.publish("cam", view("cam", i));
    fast.complete();
  }
  EXPECT_EQ(fast.received.size(), 6u);
  // The slow one has view 1 on the wire and room for 3: 2 and 3 were dropped.
  ASSERT_EQ(slow.received.size(), 1u);
  EXPECT_EQ(s1->dropped(), 2u);
  EXPECT_EQ(feed_.stats().dropped, 2u);
  for (int expected : {4, 5, 6}) {
    slow.complete();
    EXPECT_EQ(slow.capture_ts(slow.received.size() - 1), expected);
  }
}

TEST_F(LiveFeedTest, UnsubscribedClientGetsNothingMore) {
  FakeClient client;
  auto subscription = feed_.subscribe("cam", client.deliver());
  feed_.publish("cam", view("cam", 1));
  feed_.publish("cam", view("cam", 2));
  auto written = client.pending.front();
  subscription.reset();
  EXPECT_EQ(feed_.stats().subscribers, 0u);
  written();  // a transport finishing after the client left is harmless
  feed_.publish("cam", view("cam", 3));
  EXPECT_EQ(client.received.size(), 1u);
}

TEST_F(LiveFeedTest, InvalidPayloadIsCountedNotForwarded) {
  FakeClient client;
  auto subscription = feed_.subscribe("", client.deliver());
  feed_.publish("cam", "{broken");
  feed_.publish("cam", R"({"cameraId":"cam"})");  // JSON, but not a view: no requestId
  EXPECT_TRUE(client.received.empty());
  EXPECT_EQ(feed_.stats().invalid, 2u);
  EXPECT_EQ(feed_.stats().published, 0u);
  EXPECT_EQ(feed_.newest("cam"), nullptr);
}

TEST_F(LiveFeedTest, SubscriptionMayOutliveTheFeed) {
  FakeClient client;
  LiveFeed::SubscriptionPtr subscription;
  {
    LiveFeed feed(clock_);
    subscription = feed.subscribe("cam", client.deliver());
    feed.publish("cam", view("cam", 1));
    feed.publish("cam", view("cam", 2));  // queued behind the first
  }
  // Finishing the write after the feed is gone delivers nothing more (and,
  // under the sanitizers, touches nothing freed).
  client.complete();
  EXPECT_EQ(client.received.size(), 1u);
  EXPECT_EQ(subscription->dropped(), 0u);
  subscription.reset();
  EXPECT_TRUE(client.pending.empty());
}

}  // namespace
}  // namespace tmon::api
