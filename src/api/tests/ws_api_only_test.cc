// /ws where no camera is pulled (`tmon api`): the original envelope both
// ways, integer camera ids, assessed views pushed as detection_result, and a
// socket that survives whatever a client sends.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/tests/test_views.h"
#include "api/tests/ws_next.h"
#include "api/ws_protocol.h"
#include "eventually.h"
#include "http/server.h"
#include "refusing_port.h"
#include "ws_client.h"

namespace tmon::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using tmon::testing::WsClient;

using ws_test::next;

class WsApiOnlyTest : public ::testing::Test {
 protected:
  WsApiOnlyTest() {
    auto router = std::make_shared<http::Router>();
    ws_.attach(*router);
    auto server = http::Server::start({}, router);
    EXPECT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }
  ~WsApiOnlyTest() override {
    ws_.stop();
    server_->stop();
  }

  std::unique_ptr<WsClient> connect() {
    auto client = std::make_unique<WsClient>(server_->port(), "/ws");
    EXPECT_TRUE(client->connected());
    const auto ack = next(*client, "connection_ack");
    EXPECT_TRUE(ack && (*ack)["message"].is_string());
    return client;
  }

  ManualClock clock_;
  LiveFeed feed_{clock_};
  WsProtocol ws_{nullptr, &feed_, clock_, WsOptions{Millis(2'000), {}, {}, nullptr, {}}};
  std::unique_ptr<http::Server> server_;
};

TEST_F(WsApiOnlyTest, StartStreamWithAnIntegerIdPushesTheCamerasAssessedViews) {
  auto client = connect();
  client->send(R"({"type":"start_stream","data":{"cameraId":3,"rtspUrl":"rtsp://cam/3"}})");
  const auto status = next(*client, "camera_status");
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["cameraId"], 3);  // echoed as the integer it came in
  EXPECT_EQ((*status)["status"], 1);
  EXPECT_EQ((*status)["message"], "Stream started");
  ASSERT_TRUE(::tmon::testing::eventually([&] { return feed_.stats().subscribers == 1; }));

  feed_.publish("4", views::view_json(messages::CameraId::integer(4), 1'000));
  feed_.publish("3", views::view_json(messages::CameraId::integer(3), 2'000));
  const auto result = next(*client, "detection_result");
  ASSERT_TRUE(result);
  EXPECT_EQ((*result)["cameraId"], 3);  // the other camera's view never came
  EXPECT_EQ((*result)["trafficGroups"][0]["riskLevel"], "blue");
  EXPECT_EQ((*result)["detectedObjects"][0]["class"], "car");

  client->send(R"({"type":"stop_stream","data":{"cameraId":3}})");
  const auto stopped = next(*client, "stream_stopped");
  ASSERT_TRUE(stopped);
  EXPECT_EQ(*stopped, (json{{"cameraId", 3}, {"reason", "Stopped by client"}}));
  EXPECT_TRUE(::tmon::testing::eventually([&] { return feed_.stats().subscribers == 0; }));
}

TEST_F(WsApiOnlyTest, GarbageIsAnsweredAndTheSocketStaysOpen) {
  auto client = connect();
  for (const char* garbage :
       {"this is not json", "[1,2,3]", R"({"type":"launch_rockets","data":{}})",
        R"({"type":"start_stream","data":{}})", R"({"type":"check_camera","data":{"cameraId":[]}})",
        R"({"data":{"cameraId":3}})"}) {
    client->send(garbage);
    const auto error = next(*client, "error");
    ASSERT_TRUE(error) << garbage;
    EXPECT_TRUE((*error)["message"].is_string()) << garbage;
  }
  client->send(R"({"type":"ping","data":{}})");
  const auto pong = next(*client, "pong");
  ASSERT_TRUE(pong);
  EXPECT_EQ(*pong, json::object());
  EXPECT_FALSE(client->closed());
}

TEST_F(WsApiOnlyTest, CheckCameraSaysOnlineOrOfflineAsANumber) {
  auto client = connect();
  testing::RefusingPort refusing;
  client->send(json{{"type", "check_camera"},
                    {"data",
                     {{"cameraId", 5},
                      {"rtspUrl", "rtsp://127.0.0.1:" + std::to_string(refusing.port()) + "/x"}}}}
                   .dump());
  const auto offline = next(*client, "camera_status");
  ASSERT_TRUE(offline);
  EXPECT_EQ((*offline)["cameraId"], 5);
  EXPECT_EQ((*offline)["status"], 0);
  EXPECT_EQ((*offline)["message"], "Offline");
  EXPECT_NE((*offline)["reason"].get<std::string>().find("cannot connect"), std::string::npos);

  // A server that answers: this process can only tell that much of it.
  client->send(json{{"type", "check_camera"},
                    {"data",
                     {{"cameraId", "gate"},
                      {"rtspUrl", "http://127.0.0.1:" + std::to_string(server_->port()) + "/"}}}}
                   .dump());
  const auto online = next(*client, "camera_status");
  ASSERT_TRUE(online);
  EXPECT_EQ((*online)["cameraId"], "gate");
  EXPECT_EQ((*online)["status"], 1);
  EXPECT_EQ((*online)["message"], "Online");
  EXPECT_TRUE((*online)["latencyMs"].is_number());

  client->send(R"({"type":"check_camera","data":{"cameraId":6}})");  // nothing to probe
  const auto unknown = next(*client, "camera_status");
  ASSERT_TRUE(unknown);
  EXPECT_EQ((*unknown)["status"], 0);
}

TEST_F(WsApiOnlyTest, TmonsFirstFlatMessagesAreStillUnderstood) {
  auto client = connect();
  client->send(R"({"type":"start_stream","cameraId":"far-cam"})");
  const auto status = next(*client, "camera_status");
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["cameraId"], "far-cam");
  EXPECT_EQ((*status)["status"], 1);
}

TEST_F(WsApiOnlyTest, LeavingReleasesTheSubscription) {
  {
    auto client = connect();
    client->send(R"({"type":"start_stream","data":{"cameraId":"far-cam"}})");
    ASSERT_TRUE(next(*client, "camera_status"));
    ASSERT_TRUE(::tmon::testing::eventually([&] { return feed_.stats().subscribers == 1; }));
  }
  EXPECT_TRUE(::tmon::testing::eventually([&] { return feed_.stats().subscribers == 0; }));
}

}  // namespace
}  // namespace tmon::api
