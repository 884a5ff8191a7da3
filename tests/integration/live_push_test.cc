// Live push across processes: two `tmon api` processes on one real Redis,
// WebSocket watchers on each and an SSE client; a view stored through the
// store (as the aggregator stores it) reaches every one of them.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "child_process.h"
#include "free_port.h"
#include "http_get.h"
#include "redis_server.h"
#include "sse_client.h"
#include "store/redis_result_store.h"
#include "temp_dir.h"
#include "ws_client.h"

namespace tmon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;

struct ApiProcess {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
};

// `tmon api` on a free port; the port is also written to the config, as a
// deployment would, and passed on the command line so it is certain.
ApiProcess start_api(const testing::TempDir& config_root, const std::string& name,
                     const std::string& redis_url) {
  ApiProcess api;
  api.port = testing::pick_free_port();
  const std::string dir = (config_root.path() / name).string();
  std::filesystem::create_directories(dir);
  config_root.write(name + "/pipeline.yaml", "redis:\n  url: " + redis_url + "\napi:\n  port: " +
                                                 std::to_string(api.port) + "\n");
  api.process = std::make_unique<ChildProcess>(
      std::vector<std::string>{TMON_BINARY, "api", "--config-dir", dir, "--api-port",
                               std::to_string(api.port)},
      std::map<std::string, std::string>{{"TMON_REDIS_URL", redis_url}});
  return api;
}

bool is_result_for(const std::string& text, const std::string& camera, int64_t capture_ts) {
  const json message = json::parse(text, nullptr, false);
  return message.is_object() && message.value("type", "") == "detection_result" &&
         message.value("cameraId", "") == camera && message.contains("data") &&
         message["data"].value("captureTs", int64_t{0}) == capture_ts;
}

TEST(LivePushTest, TwoApiProcessesPushANewResultToAllTheirClients) {
  testing::TestRedis redis;
  testing::TempDir config;
  ApiProcess first = start_api(config, "api-1", redis.url());
  ApiProcess second = start_api(config, "api-2", redis.url());
  for (ApiProcess* api : {&first, &second}) {
    ASSERT_TRUE(api->process->wait_for_stdout(std::regex(R"(API: (http://\S+))"), 15s))
        << api->process->stderr_text();
  }
  const std::string camera = "live-cam-" + std::to_string(first.port);

  // Watchers: one WebSocket on each process, one SSE stream on the second.
  testing::WsClient ws_first(first.port, "/ws");
  testing::WsClient ws_second(second.port, "/ws");
  ASSERT_TRUE(ws_first.connected() && ws_second.connected());
  for (testing::WsClient* client : {&ws_first, &ws_second}) {
    client->send(json{{"type", "start_stream"}, {"cameraId", camera}}.dump());
    const auto status = client->wait_for(
        [&](const std::string& text) {
          const json message = json::parse(text, nullptr, false);
          return message.value("type", "") == "camera_status" &&
                 message.value("cameraId", "") == camera;
        },
        5s);
    ASSERT_TRUE(status) << "no camera_status for start_stream";
    EXPECT_EQ(json::parse(*status)["status"], "streaming") << *status;
  }
  testing::SseClient sse(second.port, "/api/stream?cameraId=" + camera);
  ASSERT_EQ(sse.wait_for_status(5s), 200);
  ASSERT_TRUE(sse.wait_for_comments(1, 5s));  // subscribed

  // Each process subscribes to Redis on its own thread: wait until both
  // are subscribed before publishing (pub/sub keeps nothing for latecomers).
  // (PUBSUB NUMPAT counts patterns, not subscribers: count the clients.)
  store::RedisClient probe(*store::RedisAddress::parse(redis.url()), Millis(2000));
  const auto pattern_subscribers = [&] {
    auto clients = probe.command({"CLIENT", "LIST"});
    if (!clients) return 0;
    int count = 0;
    for (size_t at = clients->text.find("psub=1"); at != std::string::npos;
         at = clients->text.find("psub=1", at + 1)) {
      ++count;
    }
    return count;
  };
  for (int i = 0; i < 500 && pattern_subscribers() < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(pattern_subscribers(), 2) << "both API processes should subscribe to camera:*";

  // The aggregator's path: a frame's merged view published through the store.
  auto client =
      std::make_shared<store::RedisClient>(*store::RedisAddress::parse(redis.url()), Millis(2000));
  store::RedisResultStore store(client, {});
  const int64_t capture_ts = 1'700'000'000'000 + first.port;
  const json view{{"cameraId", camera},
                  {"requestId", "req-live-1"},
                  {"captureTs", capture_ts},
                  {"hasDangerousDriving", true},
                  {"maxRiskLevel", "high"},
                  {"results", json::array({{{"groupId", "g-1"},
                                            {"riskLevel", "high"},
                                            {"riskTypes", json::array({"close_following"})},
                                            {"description", "car tailgating a bus"}}})}};
  const auto published = store.publish_frame({.camera_id = camera,
                                              .request_id = "req-live-1",
                                              .capture_ts = capture_ts,
                                              .view_json = view.dump(),
                                              .alerts = {},
                                              .ended_alert_groups = {}});
  ASSERT_TRUE(published) << published.error().message;
  ASSERT_TRUE(*published);

  const auto matches = [&](const std::string& text) {
    return is_result_for(text, camera, capture_ts);
  };
  for (testing::WsClient* ws : {&ws_first, &ws_second}) {
    const auto pushed = ws->wait_for(matches, 5s);
    ASSERT_TRUE(pushed) << "a /ws client got no detection_result\n"
                        << first.process->stderr_text() << second.process->stderr_text();
    const json data = json::parse(*pushed)["data"];
    EXPECT_EQ(data["hasDangerousDriving"], true);
    EXPECT_EQ(data["maxRiskLevel"], "high");
    EXPECT_EQ(data["results"][0]["description"], "car tailgating a bus");
    EXPECT_EQ(data["riskAssessment"]["maxRiskLevel"], "high");
    EXPECT_EQ(data["timestamp"].get<std::string>().back(), 'Z');
  }
  const auto event = sse.wait_for(
      [&](const testing::SseEvent& e) { return e.event == "detection_result" && matches(e.data); },
      5s);
  EXPECT_TRUE(event) << "the SSE client got no detection_result";

  // Both processes stop cleanly on SIGTERM.
  for (ApiProcess* api : {&first, &second}) {
    api->process->signal(SIGTERM);
    EXPECT_EQ(api->process->wait(15s), 0) << api->process->stderr_text();
  }
}

}  // namespace
}  // namespace tmon
