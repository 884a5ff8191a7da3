// GET /api/stream (Server-Sent Events) on a real socket, fed by a LiveFeed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "api/api_server.h"
#include "http/server.h"
#include "sse_client.h"
#include "store/memory_result_store.h"

namespace tmon::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::SseClient;
using testing::SseEvent;

class StreamRouteTest : public ::testing::Test {
 protected:
  StreamRouteTest() {
    store_->on_publish(feed_.listener());
    auto router = make_api_router(store_, {}, clock_, {}, LiveOptions{&feed_, 100ms});
    auto server = http::Server::start({}, router);
    EXPECT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }
  ~StreamRouteTest() override { server_->stop(); }

  // Connected and subscribed: the stream's first comment comes after subscribing.
  std::unique_ptr<SseClient> connect(const std::string& target) {
    auto client = std::make_unique<SseClient>(server_->port(), target);
    EXPECT_EQ(client->wait_for_status(5s), 200);
    EXPECT_TRUE(client->wait_for_comments(1, 5s));
    return client;
  }

  void store_view(const std::string& camera, int64_t capture_ts) {
    const json view{{"cameraId", camera},
                    {"captureTs", capture_ts},
                    {"hasDangerousDriving", true},
                    {"maxRiskLevel", "critical"},
                    {"results", json::array()}};
    ASSERT_TRUE(store_->publish_frame({.camera_id = camera,
                                       .request_id = camera + "-" + std::to_string(capture_ts),
                                       .capture_ts = capture_ts,
                                       .view_json = view.dump(),
                                       .alerts = {},
                                       .ended_alert_groups = {}}));
  }

  static bool of_camera(const SseEvent& event, const std::string& camera) {
    const json message = json::parse(event.data, nullptr, false);
    return event.event == "detection_result" && message.value("cameraId", "") == camera;
  }

  ManualClock clock_;
  std::shared_ptr<store::MemoryResultStore> store_ =
      std::make_shared<store::MemoryResultStore>(store::StoreOptions{}, clock_);
  LiveFeed feed_{clock_};
  std::unique_ptr<http::Server> server_;
};

TEST_F(StreamRouteTest, StoredViewsArriveAsDetectionResultEvents) {
  auto one = connect("/api/stream?cameraId=cam-1");
  auto all = connect("/api/stream");
  EXPECT_NE(one->headers().find("text/event-stream"), std::string::npos);
  store_view("cam-2", 5);
  store_view("cam-1", 7);

  const auto mine = one->wait_for([](const SseEvent& e) { return of_camera(e, "cam-1"); }, 5s);
  ASSERT_TRUE(mine);
  const json message = json::parse(mine->data);
  EXPECT_EQ(message["type"], "detection_result");
  EXPECT_EQ(message["data"]["captureTs"], 7);
  EXPECT_EQ(message["data"]["maxRiskLevel"], "critical");
  EXPECT_EQ(message["data"]["riskAssessment"]["hasDangerousDriving"], true);
  EXPECT_TRUE(all->wait_for([](const SseEvent& e) { return of_camera(e, "cam-2"); }, 5s));
  EXPECT_TRUE(all->wait_for([](const SseEvent& e) { return of_camera(e, "cam-1"); }, 5s));
  // The per-camera stream never saw the other camera.
  EXPECT_FALSE(one->wait_for([](const SseEvent& e) { return of_camera(e, "cam-2"); }, 200ms));
}

TEST_F(StreamRouteTest, IdleStreamsGetKeepaliveComments) {
  auto client = connect("/api/stream");
  EXPECT_TRUE(client->wait_for_comments(3, 5s));  // the greeting and two keepalives
}

TEST_F(StreamRouteTest, ClientLeavingUnsubscribes) {
  {
    auto client = connect("/api/stream?cameraId=cam-1");
    EXPECT_EQ(feed_.stats().subscribers, 1u);
  }
  for (int i = 0; i < 200 && feed_.stats().subscribers > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(feed_.stats().subscribers, 0u);
}

TEST_F(StreamRouteTest, ServerStopEndsTheStream) {
  auto client = connect("/api/stream");
  server_->stop();
  EXPECT_TRUE(client->wait_closed(5s));
  EXPECT_EQ(feed_.stats().subscribers, 0u);  // went with the session
}

}  // namespace
}  // namespace tmon::api
