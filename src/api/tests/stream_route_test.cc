// GET /api/stream (Server-Sent Events) on a real socket, fed by a LiveFeed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "api/api_server.h"
#include "api/tests/test_views.h"
#include "eventually.h"
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
    ApiOptions options;
    options.live = LiveOptions{&feed_, 100ms};
    auto router = make_api_router(store_, clock_, options);
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
    const auto view = views::view(camera, capture_ts, messages::RiskLevel::kCritical);
    store::FrameWrite write;
    write.camera_id = camera;
    write.request_id = view.requestId;
    write.capture_ts = capture_ts;
    write.view_json = messages::encode(view);
    write.history_json = write.view_json;
    ASSERT_TRUE(*store_->publish_frame(write));
  }

  static bool of_camera(const SseEvent& event, const std::string& camera) {
    const json message = json::parse(event.data, nullptr, false);
    return event.event == "detection_result" && message.contains("data") &&
           message["data"].value("cameraId", "") == camera;
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
  EXPECT_EQ(message["data"]["riskAssessment"]["allGroupResults"][0]["riskLevel"], "critical");
  EXPECT_TRUE(all->wait_for([](const SseEvent& e) { return of_camera(e, "cam-2"); }, 5s));
  EXPECT_TRUE(all->wait_for([](const SseEvent& e) { return of_camera(e, "cam-1"); }, 5s));
  // The per-camera stream never saw the other camera: its view went out
  // first, so it would be queued ahead of cam-1's by now.
  EXPECT_FALSE(one->wait_for([](const SseEvent& e) { return of_camera(e, "cam-2"); }, 0ms));
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
  EXPECT_TRUE(::tmon::testing::eventually([&] { return feed_.stats().subscribers == 0; }));
}

TEST_F(StreamRouteTest, ServerStopEndsTheStream) {
  auto client = connect("/api/stream");
  server_->stop();
  EXPECT_TRUE(client->wait_closed(5s));
  EXPECT_EQ(feed_.stats().subscribers, 0u);  // went with the session
}

}  // namespace
}  // namespace tmon::api
