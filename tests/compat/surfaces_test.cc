// tmon's API against the original's contract (COMPAT.md §1, §5): /ws spoken
// only in the original's envelope with integer camera ids, the health checks
// and CORS, on a running `tmon up`.
#include <gtest/gtest.h>

#include "eventually.h"
#include "http/blocking_client.h"
#include "http_get.h"
#include "refusing_port.h"
#include "services.h"
#include "ws_client.h"

namespace tmon::compat {
namespace {

using namespace std::chrono_literals;

// The data of the next /ws message of `type` for `camera`, read the original way.
std::optional<WsMessage> next(testing::WsClient& client, const std::string& type,
                              std::optional<int64_t> camera = std::nullopt,
                              std::chrono::milliseconds timeout = 20s) {
  auto text = client.wait_for(
      [&](const std::string& raw) {
        try {
          const WsMessage message = read_ws(raw);
          return message.type == type && (!camera || camera_id(message.data) == *camera);
        } catch (const ShapeError&) {
          return false;
        }
      },
      timeout);
  if (!text) return std::nullopt;
  return read_ws(*text);
}

TEST_F(ConformanceTest, WebSocketSpeaksTheOriginalEnvelopeWithIntegerIds) {
  // As the original front end connects: from its page's origin, no credential.
  testing::WsClient client(services_->api_port, "/ws", {{"Origin", kFrontEndOrigin}});
  ASSERT_TRUE(client.connected());
  const auto ack = next(client, "connection_ack");
  ASSERT_TRUE(ack);
  EXPECT_TRUE(missing_shape(fixture("ws_connection_ack.json")["data"], ack->data).empty());
  client.send(fixture("ws_ping.json").dump());
  const auto pong = next(client, "pong");
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->data, json::object());

  json start = fixture("ws_start_stream.json");
  start["data"]["cameraId"] = 9003;
  start["data"]["rtspUrl"] = "sim://?seed=5&density=1";
  client.send(start.dump());
  const auto started = next(client, "camera_status", 9003);
  ASSERT_TRUE(started);
  EXPECT_EQ(started->data,
            (json{{"cameraId", 9003}, {"status", 1}, {"message", "Stream started"}}));

  // A frame with groups, read as the front end reads it.
  std::optional<WsMessage> frame;
  for (int i = 0; i < 60; ++i) {
    frame = next(client, "detection_result", 9003);
    ASSERT_TRUE(frame);
    if (!frame->data["trafficGroups"].empty()) break;
  }
  ASSERT_FALSE(frame->data["trafficGroups"].empty()) << "no group in 60 frames";
  // The fixture's first group was assessed, its second not: compare with the
  // one in the state of this frame's first group. Before any assessment the
  // original sends null for the LLM's latency and model too.
  json shape = fixture("ws_detection_result.json")["data"];
  if (frame->data["trafficGroups"][0]["riskLevelRaw"] == "none") {
    shape["trafficGroups"] = json::array({shape["trafficGroups"][1]});
    shape["groupImages"] = json::array({shape["groupImages"][1]});
  }
  if (frame->data["llmLatency"].is_null()) shape["llmLatency"] = shape["llmModel"] = nullptr;
  const auto problems = missing_shape(shape, frame->data);
  EXPECT_EQ(json(problems), json::array());
  const Frame read = read_frame(frame->data);
  EXPECT_EQ(read.cameraId, 9003);
  EXPECT_EQ(read.frame.rfind("data:image/jpeg;base64,", 0), 0u);
  EXPECT_FALSE(read.detectedObjects.empty());
  EXPECT_EQ(read.trafficGroups[0].group.groupIndex, 1);
  EXPECT_EQ(read.renderedBy, "server");

  json stop = fixture("ws_stop_stream.json");
  stop["data"]["cameraId"] = 9003;
  client.send(stop.dump());
  const auto stopped = next(client, "stream_stopped", 9003);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->data, (json{{"cameraId", 9003}, {"reason", "Stopped by client"}}));

  json check = fixture("ws_check_camera.json");
  check["data"]["cameraId"] = 9004;
  check["data"]["rtspUrl"] = "sim://?seed=2";
  client.send(check.dump());
  const auto online = next(client, "camera_status", 9004);
  ASSERT_TRUE(online);
  EXPECT_EQ(online->data["status"], 1);
  EXPECT_EQ(online->data["message"], "Online");
  testing::RefusingPort refusing;
  check["data"]["rtspUrl"] = "rtsp://127.0.0.1:" + std::to_string(refusing.port()) + "/x";
  client.send(check.dump());
  const auto offline = next(client, "camera_status", 9004);
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->data["status"], 0);
  EXPECT_EQ(offline->data["message"], "Offline");

  // What the original would ignore never closes the socket.
  client.send("{not json");
  client.send(R"({"type":"subscribe_everything","data":{}})");
  client.send(fixture("ws_ping.json").dump());
  EXPECT_TRUE(next(client, "pong"));
  EXPECT_FALSE(client.closed());
}

TEST_F(ConformanceTest, HealthChecksAndCrossOriginReaders) {
  const auto flat = testing::http_get(services_->api_port, "/health/health_check");
  ASSERT_EQ(flat.status, 200);
  EXPECT_TRUE(missing_shape(fixture("http_health_flat.json"), json::parse(flat.body)).empty());

  const auto enveloped = testing::http_get(services_->api_port, "/api/health/health_check");
  ASSERT_EQ(enveloped.status, 200);
  std::vector<std::string> problems =
      missing_shape(fixture("http_health_enveloped.json"), json::parse(enveloped.body));
  // tmon runs no Python: its environment says what it runs on instead.
  std::erase(problems, "data.environment.python: missing");
  EXPECT_TRUE(problems.empty()) << problems.front();

  // The front end's origin (api.allowed_origins) may read the API from its page.
  http::BlockingClient client;
  http::Request request{http::Verb::get, "/health/health_check", 11};
  request.set(http::beast_http::field::host, "127.0.0.1");
  request.set(http::beast_http::field::origin, kFrontEndOrigin);
  const auto url = http::Url::parse("http://127.0.0.1:" + std::to_string(services_->api_port));
  ASSERT_TRUE(url);
  const auto answer = client.send(*url, request, Millis(2'000));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ((*answer)[http::beast_http::field::access_control_allow_origin], kFrontEndOrigin);
}

}  // namespace
}  // namespace tmon::compat
