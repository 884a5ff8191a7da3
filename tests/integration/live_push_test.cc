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
#include "common/clock.h"
#include "common/ids.h"
#include "eventually.h"
#include "http_get.h"
#include "messages/frame_view.h"
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

// `tmon api` on port 0; it prints the address it got, which is read back.
ApiProcess start_api(const testing::TempDir& config_root, const std::string& name,
                     const std::string& redis_url) {
  ApiProcess api;
  const std::string dir = (config_root.path() / name).string();
  std::filesystem::create_directories(dir);
  config_root.write(name + "/pipeline.yaml", "redis:\n  url: " + redis_url + "\n");
  api.process = std::make_unique<ChildProcess>(
      std::vector<std::string>{TMON_BINARY, "api", "--config-dir", dir, "--api-port", "0"},
      std::map<std::string, std::string>{{"TMON_REDIS_URL", redis_url}});
  const auto port =
      api.process->wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 15s);
  EXPECT_TRUE(port) << api.process->stderr_text();
  api.port = port ? std::stoi(*port) : 0;
  return api;
}

constexpr int kCamera = 42;  // the original numbers its cameras

bool is_result_for(const std::string& text, int64_t capture_ts) {
  const json message = json::parse(text, nullptr, false);
  return message.is_object() && message.value("type", "") == "detection_result" &&
         message.contains("data") && message["data"].value("cameraId", json()) == kCamera &&
         message["data"].value("captureTs", int64_t{0}) == capture_ts;
}

// The merged view the aggregator would make of a frame of camera 42 whose
// one group (two cars) was judged high.
messages::FrameView view_of_a_frame(int64_t capture_ts, const std::string& request_id) {
  messages::DetectionResult frame;
  frame.cameraId = messages::CameraId::integer(kCamera);
  frame.requestId = request_id;
  frame.captureTs = capture_ts;
  frame.detectedObjects = {{1, "car", 2, 0.9, {10, 10, 50, 30}},
                           {2, "bus", 5, 0.8, {55, 5, 150, 40}}};
  frame.trafficGroups = {{1, "42-g1", {1, 2}, {10, 5, 150, 40}, {}, {}}};
  frame.groupImages = {{1, "42-g1", "/9j/crop", 140, 35}};
  messages::FrameView view;
  view.cameraId = frame.cameraId;
  view.requestId = frame.requestId;
  view.captureTs = capture_ts;
  view.storedTs = capture_ts + 900;
  view.detection = frame;
  view.hasDangerousDriving = true;
  view.maxRiskLevel = messages::RiskLevel::kHigh;
  view.results = {
      {{1, messages::RiskLevel::kHigh, 0.9, {"跟车过近"}, "car tailgating a bus", 2, {0, 1}},
       "42-g1",
       "req-live-1:42-g1"}};
  return view;
}

TEST(LivePushTest, TwoApiProcessesPushANewResultToAllTheirClients) {
  testing::TestRedis redis;
  testing::TempDir config;
  ApiProcess first = start_api(config, "api-1", redis.url());
  ApiProcess second = start_api(config, "api-2", redis.url());
  ASSERT_TRUE(first.port > 0 && second.port > 0);

  // Watchers: one WebSocket on each process, speaking the original's
  // envelope; one SSE stream on the second.
  testing::WsClient ws_first(first.port, "/ws");
  testing::WsClient ws_second(second.port, "/ws");
  ASSERT_TRUE(ws_first.connected() && ws_second.connected());
  for (testing::WsClient* client : {&ws_first, &ws_second}) {
    client->send(json{{"type", "start_stream"}, {"data", {{"cameraId", kCamera}}}}.dump());
    const auto status = client->wait_for(
        [&](const std::string& text) {
          const json message = json::parse(text, nullptr, false);
          return message.value("type", "") == "camera_status" &&
                 message["data"].value("cameraId", json()) == kCamera;
        },
        5s);
    ASSERT_TRUE(status) << "no camera_status for start_stream";
    EXPECT_EQ(json::parse(*status)["data"]["status"], 1) << *status;
  }
  testing::SseClient sse(second.port, "/api/stream?cameraId=" + std::to_string(kCamera));
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
  ASSERT_TRUE(testing::eventually([&] { return pattern_subscribers() == 2; }))
      << "both API processes should subscribe to camera:*";

  // The aggregator's path: a frame's merged view published through the store.
  auto client =
      std::make_shared<store::RedisClient>(*store::RedisAddress::parse(redis.url()), Millis(2000));
  store::RedisResultStore store(client, {});
  // Newer than any frame of an earlier run on a shared store (an older frame
  // never replaces the camera's latest view, and is not pushed).
  const int64_t capture_ts = SystemClock::instance().epoch_ms();
  // A frame id of this run: a frame is published once per store, and the
  // store may be shared with earlier runs (scripts/test.sh --repeat).
  const auto view = view_of_a_frame(capture_ts, "req-live-" + random_hex_id(6));
  store::FrameWrite write;
  write.camera_id = view.cameraId;
  write.request_id = view.requestId;
  write.capture_ts = capture_ts;
  write.view_json = messages::encode(view);
  write.history_json = messages::encode(view, messages::ViewImages::kOmit);
  write.high_risk = true;
  const auto published = store.publish_frame(write);
  ASSERT_TRUE(published) << published.error().message;
  ASSERT_TRUE(*published);

  const auto matches = [&](const std::string& text) { return is_result_for(text, capture_ts); };
  for (testing::WsClient* ws : {&ws_first, &ws_second}) {
    const auto pushed = ws->wait_for(matches, 5s);
    ASSERT_TRUE(pushed) << "a /ws client got no detection_result\n"
                        << first.process->stderr_text() << second.process->stderr_text();
    const json data = json::parse(*pushed)["data"];
    EXPECT_EQ(data["hasDangerousDriving"], true);
    EXPECT_EQ(data["maxRiskLevel"], "high");
    EXPECT_EQ(data["riskAssessment"]["allGroupResults"][0]["description"], "car tailgating a bus");
    EXPECT_EQ(data["trafficGroups"][0]["riskLevel"], "blue");
    EXPECT_EQ(data["trafficGroups"][0]["riskLevelRaw"], "high");
    EXPECT_EQ(data["detectedObjects"][1]["class"], "bus");
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
