#include "api/live_feed.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

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
  std::string camera(size_t i) const { return json::parse(received.at(i))["cameraId"]; }
  int64_t capture_ts(size_t i) const { return json::parse(received.at(i))["data"]["captureTs"]; }
};

std::string view(const std::string& camera, int64_t capture_ts) {
  return json{{"cameraId", camera},
              {"captureTs", capture_ts},
              {"hasDangerousDriving", true},
              {"maxRiskLevel", "high"},
              {"results", json::array({{{"groupId", "g1"}, {"riskLevel", "high"}}})}}
      .dump();
}

class LiveFeedTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  LiveFeed feed_{clock_, LiveFeedOptions{3}};
};

TEST_F(LiveFeedTest, MessageCarriesTheViewAndTheAssessmentInTheOriginalShape) {
  const auto message = detection_result_message("cam-1", view("cam-1", 1'700'000'000'123), 0);
  ASSERT_TRUE(message);
  const json parsed = json::parse(*message);
  EXPECT_EQ(parsed["type"], "detection_result");
  EXPECT_EQ(parsed["cameraId"], "cam-1");
  const json& data = parsed["data"];
  EXPECT_EQ(data["cameraId"], "cam-1");
  EXPECT_EQ(data["captureTs"], 1'700'000'000'123);
  EXPECT_EQ(data["timestamp"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(data["hasDangerousDriving"], true);
  EXPECT_EQ(data["maxRiskLevel"], "high");
  EXPECT_EQ(data["riskAssessment"]["maxRiskLevel"], "high");
  EXPECT_EQ(data["riskAssessment"]["results"][0]["groupId"], "g1");
  EXPECT_FALSE(detection_result_message("cam-1", "not json", 0));
  EXPECT_FALSE(detection_result_message("cam-1", "[1,2]", 0));
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
  EXPECT_TRUE(client.received.empty());
  EXPECT_EQ(feed_.stats().invalid, 1u);
}

TEST_F(LiveFeedTest, SubscriptionMayOutliveTheFeed) {
  FakeClient client;
  LiveFeed::SubscriptionPtr subscription;
  {
    LiveFeed feed(clock_);
    subscription = feed.subscribe("cam", client.deliver());
    feed.publish("cam", view("cam", 1));
  }
  client.complete();
  subscription.reset();
  SUCCEED();
}

}  // namespace
}  // namespace tmon::api
