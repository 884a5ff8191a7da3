// Camera management over HTTP and the original /ws protocol, through a real
// server and real clients.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "detect/camera_manager.h"
#include "detect/camera_routes.h"
#include "detect/stream_protocol.h"
#include "free_port.h"
#include "http/server.h"
#include "http_get.h"
#include "metrics/exposition.h"
#include "ws_client.h"

namespace tmon::detect {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::http_request;
using testing::WsClient;

class CameraApiTest : public ::testing::Test {
 protected:
  CameraApiTest() {
    auto router = std::make_shared<http::Router>();
    add_camera_routes(*router, cameras_);
    streams_.attach(*router);
    metrics::add_metrics_route(*router, registry_);
    auto server = http::Server::start({}, router);
    EXPECT_TRUE(server);
    server_ = std::move(*server);
    port_ = server_->port();
    cameras_.start();
  }
  ~CameraApiTest() override {
    streams_.stop();
    server_->stop();
  }

  static config::DetectionConfig settings() {
    config::DetectionConfig settings;
    settings.frame_interval_seconds = 0.2;
    return settings;
  }

  testing::HttpReply post(const std::string& body) {
    return http_request("POST", port_, "/api/cameras", body);
  }

  // The next message of `type` (and camera, if given) a client receives.
  static std::optional<json> next(WsClient& client, const std::string& type,
                                  const std::string& camera_id = "",
                                  std::chrono::milliseconds timeout = 10s) {
    auto text = client.wait_for(
        [&](const std::string& message) {
          const json parsed = json::parse(message, nullptr, false);
          return parsed.value("type", "") == type &&
                 (camera_id.empty() || parsed.value("cameraId", "") == camera_id);
        },
        timeout);
    if (!text) return std::nullopt;
    return json::parse(*text);
  }

  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  DetectMetrics metrics_{*registry_};
  DetectorFactory detectors_{settings()};
  CameraManager cameras_{detectors_, AnalyzerOptions{}, &metrics_, SystemClock::instance(), 2};
  StreamProtocol streams_{cameras_, SystemClock::instance()};
  std::unique_ptr<http::Server> server_;
  int port_ = 0;
};

TEST_F(CameraApiTest, AddListAndRemoveCameras) {
  const auto created = post(R"({"cameraId":"north","url":"sim://?seed=1","frameInterval":0.5})");
  ASSERT_EQ(created.status, 201) << created.body;
  const json camera = json::parse(created.body)["data"];
  EXPECT_EQ(camera["cameraId"], "north");
  EXPECT_EQ(camera["detector"], "motion");
  EXPECT_EQ(camera["frameInterval"], 0.5);

  EXPECT_EQ(post(R"({"cameraId":"north","url":"sim://"})").status, 409);
  const auto list = http_request("GET", port_, "/api/cameras");
  ASSERT_EQ(list.status, 200);
  const json cameras = json::parse(list.body)["data"];
  ASSERT_EQ(cameras.size(), 1u);
  for (const char* field : {"status", "fps", "lastFrameTs", "framesDropped", "errors", "url"}) {
    EXPECT_TRUE(cameras[0].contains(field)) << field;
  }

  EXPECT_EQ(http_request("DELETE", port_, "/api/cameras/north").status, 200);
  EXPECT_EQ(http_request("DELETE", port_, "/api/cameras/north").status, 404);
  EXPECT_TRUE(cameras_.list().empty());
}

TEST_F(CameraApiTest, BadCameraRequestsGet400WithAReason) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"not json", "JSON object"},
      {R"({"url":"sim://"})", "cameraId"},
      {R"({"cameraId":"x"})", "url"},
      {R"({"cameraId":"x","url":"sim://","frameInterval":-1})", "frameInterval"},
      {R"({"cameraId":"x","url":"sim://","detector":"sonar"})", "sonar"},
      {R"({"cameraId":"x","url":"/no/such/video.mp4"})", "unsupported camera URL"},
      {R"({"cameraId":"a b","url":"sim://"})", "cameraId"},
  };
  for (const auto& [body, reason] : cases) {
    const auto reply = post(body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_NE(reply.body.find(reason), std::string::npos) << body << " -> " << reply.body;
  }
  EXPECT_TRUE(cameras_.list().empty());
}

TEST_F(CameraApiTest, WebSocketSpeaksTheOriginalProtocol) {
  WsClient client(port_, "/ws");
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(next(client, "connection_ack"));
  client.send(R"({"type":"ping"})");
  ASSERT_TRUE(next(client, "pong"));
  client.send("this is not json");
  const auto error = next(client, "error");
  ASSERT_TRUE(error);
  EXPECT_NE((*error)["message"].get<std::string>().find("JSON"), std::string::npos);

  client.send(R"({"type":"start_stream","cameraId":"ws-cam","rtspUrl":"sim://?seed=7"})");
  const auto status = next(client, "camera_status", "ws-cam");
  ASSERT_TRUE(status);
  EXPECT_NE((*status)["status"], "error") << status->dump();

  const auto frame = next(client, "detection_result", "ws-cam", 20s);
  ASSERT_TRUE(frame);
  const json& data = (*frame)["data"];
  for (const char* field : {"cameraId", "timestamp", "frame", "imageWidth", "imageHeight",
                            "detectedObjects", "trafficGroups", "groupImages"}) {
    EXPECT_TRUE(data.contains(field)) << field;
  }
  EXPECT_EQ(data["cameraId"], "ws-cam");
  EXPECT_FALSE(data["frame"].get<std::string>().empty());
  EXPECT_EQ(data["timestamp"].get<std::string>().back(), 'Z');  // ISO-8601, as the original

  client.send(R"({"type":"stop_stream","cameraId":"ws-cam"})");
  ASSERT_TRUE(next(client, "stream_stopped", "ws-cam"));
  // The camera was started for this client alone: it goes when they stop.
  EXPECT_TRUE([&] {
    for (int i = 0; i < 100 && cameras_.has("ws-cam"); ++i) std::this_thread::sleep_for(50ms);
    return !cameras_.has("ws-cam");
  }());
}

TEST_F(CameraApiTest, TwoViewersShareOneStreamPull) {
  WsClient first(port_, "/ws");
  WsClient second(port_, "/ws");
  ASSERT_TRUE(first.connected() && second.connected());
  first.send(R"({"type":"start_stream","cameraId":"shared","rtspUrl":"sim://?seed=8"})");
  ASSERT_TRUE(next(first, "camera_status", "shared"));
  second.send(R"({"type":"start_stream","cameraId":"shared"})");  // no URL: join the stream
  ASSERT_TRUE(next(second, "camera_status", "shared"));

  // Both see the same frames of the one camera. A frame the second viewer
  // gets came after it joined, so the first, watching since before, has it too.
  const auto b = next(second, "detection_result", "shared", 20s);
  ASSERT_TRUE(b);
  const int64_t frame_number = (*b)["data"]["frameNumber"];
  const auto a = first.wait_for(
      [&](const std::string& text) {
        const json parsed = json::parse(text, nullptr, false);
        return parsed.value("type", "") == "detection_result" &&
               parsed["data"].value("frameNumber", int64_t{0}) == frame_number;
      },
      10s);
  EXPECT_TRUE(a) << "the first viewer did not get frame " << frame_number;
  EXPECT_EQ(cameras_.list().size(), 1u);

  // One viewer leaving keeps the stream for the other; the last one ends it.
  first.send(R"({"type":"stop_stream","cameraId":"shared"})");
  ASSERT_TRUE(next(first, "stream_stopped", "shared"));
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(cameras_.has("shared"));
  EXPECT_TRUE(next(second, "detection_result", "shared", 10s));
  second.send(R"({"type":"stop_stream","cameraId":"shared"})");
  ASSERT_TRUE(next(second, "stream_stopped", "shared"));
  for (int i = 0; i < 100 && cameras_.has("shared"); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(cameras_.has("shared"));
}

TEST_F(CameraApiTest, ConfiguredCamerasOutliveTheirViewers) {
  ASSERT_EQ(post(R"({"cameraId":"fixed","url":"sim://?seed=9"})").status, 201);
  {
    WsClient viewer(port_, "/ws");
    viewer.send(R"({"type":"start_stream","cameraId":"fixed"})");
    ASSERT_TRUE(next(viewer, "detection_result", "fixed", 20s));
  }  // the browser tab closes without a stop_stream
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(cameras_.has("fixed"));
}

TEST_F(CameraApiTest, ProblemsComeBackAsCameraStatus) {
  WsClient client(port_, "/ws");
  client.send(R"({"type":"start_stream","cameraId":"nowhere"})");
  const auto unknown = next(client, "camera_status", "nowhere");
  ASSERT_TRUE(unknown);
  EXPECT_EQ((*unknown)["status"], "error");
  EXPECT_NE((*unknown)["message"].get<std::string>().find("unknown camera"), std::string::npos);

  const int closed = testing::pick_free_port();
  client.send(R"({"type":"check_camera","cameraId":"probe","rtspUrl":"rtsp://127.0.0.1:)" +
              std::to_string(closed) + R"(/live"})");
  const auto probe = next(client, "camera_status", "probe", 20s);
  ASSERT_TRUE(probe);
  EXPECT_EQ((*probe)["status"], "offline");

  client.send(R"({"type":"start_stream","cameraId":"x","rtspUrl":"gopher://old"})");
  const auto bad = next(client, "camera_status", "x");
  ASSERT_TRUE(bad);
  EXPECT_EQ((*bad)["status"], "error");
  client.send(R"({"type":"launch_rockets"})");
  ASSERT_TRUE(next(client, "error"));
}

TEST_F(CameraApiTest, MetricsAreServedInPrometheusFormat) {
  ASSERT_EQ(post(R"({"cameraId":"m1","url":"sim://?seed=3","frameInterval":0.1})").status, 201);
  for (int i = 0; i < 100 && cameras_.status("m1")->frames_sampled < 2; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  const auto reply = http_request("GET", port_, "/metrics");
  ASSERT_EQ(reply.status, 200);
  for (const char* series :
       {"# TYPE detection_total counter", "detection_total{camera_id=\"m1\"}",
        "# TYPE detection_latency_seconds histogram",
        "detect_frames_grabbed_total{camera_id=\"m1\"}",
        "detect_frames_sampled_total{camera_id=\"m1\"}", "detect_camera_up{camera_id=\"m1\"} 1"}) {
    EXPECT_NE(reply.body.find(series), std::string::npos) << series;
  }
}

}  // namespace
}  // namespace tmon::detect

namespace tmon::detect {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::WsClient;

// Stands in for api::LiveFeed: records subscriptions; the test pushes.
class FakeResults {
 public:
  StreamProtocol::ResultSubscriber subscriber() {
    return [this](const std::string& camera_id,
                  StreamProtocol::ResultDeliver deliver) -> std::shared_ptr<void> {
      auto handle = std::make_shared<int>(0);
      std::lock_guard lock(mu_);
      watchers_.push_back({camera_id, std::move(deliver), handle});
      return handle;
    };
  }
  // Pushes a message to every live subscription of the camera; how many got it.
  int push(const std::string& camera_id, const std::string& message) {
    std::vector<StreamProtocol::ResultDeliver> targets;
    {
      std::lock_guard lock(mu_);
      for (const auto& watcher : watchers_) {
        if (watcher.camera_id == camera_id && !watcher.handle.expired()) {
          targets.push_back(watcher.deliver);
        }
      }
    }
    for (const auto& deliver : targets) deliver(message, [] {});
    return static_cast<int>(targets.size());
  }
  int live(const std::string& camera_id) {
    std::lock_guard lock(mu_);
    int count = 0;
    for (const auto& watcher : watchers_)
      count += watcher.camera_id == camera_id && !watcher.handle.expired();
    return count;
  }
  bool wait_live(const std::string& camera_id, int count) {
    for (int i = 0; i < 200 && live(camera_id) != count; ++i) std::this_thread::sleep_for(10ms);
    return live(camera_id) == count;
  }

 private:
  struct Watcher {
    std::string camera_id;
    StreamProtocol::ResultDeliver deliver;
    std::weak_ptr<void> handle;
  };
  std::mutex mu_;
  std::vector<Watcher> watchers_;
};

std::optional<json> next_message(WsClient& client, const std::string& type,
                                 const std::string& camera_id = "") {
  auto text = client.wait_for(
      [&](const std::string& message) {
        const json parsed = json::parse(message, nullptr, false);
        return parsed.value("type", "") == type &&
               (camera_id.empty() || parsed.value("cameraId", "") == camera_id);
      },
      10s);
  if (!text) return std::nullopt;
  return json::parse(*text);
}

const std::string kAssessed =
    R"({"type":"detection_result","cameraId":"far-cam","data":{"cameraId":"far-cam",)"
    R"("hasDangerousDriving":true,"maxRiskLevel":"high","results":[]}})";

// `tmon api` alone: no cameras here, /ws pushes what the result feed brings.
class ApiOnlyStreamTest : public ::testing::Test {
 protected:
  ApiOnlyStreamTest() {
    streams_.subscribe_results(results_.subscriber());
    auto router = std::make_shared<http::Router>();
    streams_.attach(*router);
    auto server = http::Server::start({}, router);
    EXPECT_TRUE(server);
    server_ = std::move(*server);
  }
  ~ApiOnlyStreamTest() override {
    streams_.stop();
    server_->stop();
  }

  FakeResults results_;
  StreamProtocol streams_{SystemClock::instance()};
  std::unique_ptr<http::Server> server_;
};

TEST_F(ApiOnlyStreamTest, StartStreamSubscribesToAssessedResults) {
  WsClient client(server_->port(), "/ws");
  ASSERT_TRUE(client.connected());
  client.send(R"({"type":"start_stream","cameraId":"far-cam"})");
  const auto status = next_message(client, "camera_status", "far-cam");
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["status"], "streaming") << status->dump();
  ASSERT_TRUE(results_.wait_live("far-cam", 1));

  ASSERT_EQ(results_.push("far-cam", kAssessed), 1);
  const auto pushed = next_message(client, "detection_result", "far-cam");
  ASSERT_TRUE(pushed);
  EXPECT_EQ((*pushed)["data"]["maxRiskLevel"], "high");

  client.send(R"({"type":"stop_stream","cameraId":"far-cam"})");
  ASSERT_TRUE(next_message(client, "stream_stopped", "far-cam"));
  EXPECT_TRUE(results_.wait_live("far-cam", 0));
}

TEST_F(ApiOnlyStreamTest, LeavingReleasesTheSubscription) {
  {
    WsClient client(server_->port(), "/ws");
    client.send(R"({"type":"start_stream","cameraId":"far-cam","rtspUrl":"rtsp://x/y"})");
    const auto status = next_message(client, "camera_status", "far-cam");
    ASSERT_TRUE(status);
    EXPECT_NE((*status)["message"].get<std::string>().find("rtspUrl ignored"), std::string::npos);
    ASSERT_TRUE(results_.wait_live("far-cam", 1));
  }
  EXPECT_TRUE(results_.wait_live("far-cam", 0));
}

TEST_F(ApiOnlyStreamTest, CheckCameraWithoutUrlSaysWhyItCannotTell) {
  WsClient client(server_->port(), "/ws");
  client.send(R"({"type":"check_camera","cameraId":"far-cam"})");
  const auto status = next_message(client, "camera_status", "far-cam");
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["status"], "unknown");
  EXPECT_NE((*status)["message"].get<std::string>().find("rtspUrl"), std::string::npos);
  const int closed = testing::pick_free_port();
  client.send(R"({"type":"check_camera","cameraId":"probe","rtspUrl":"rtsp://127.0.0.1:)" +
              std::to_string(closed) + R"(/live"})");
  const auto probe = next_message(client, "camera_status", "probe");
  ASSERT_TRUE(probe);
  EXPECT_EQ((*probe)["status"], "offline");
}

TEST_F(CameraApiTest, WatchersOfALocalCameraAlsoGetAssessedResults) {
  // Installed before any client connects, as the pipeline does.
  FakeResults results;
  streams_.subscribe_results(results.subscriber());
  ASSERT_EQ(post(R"({"cameraId":"both","url":"sim://?seed=4"})").status, 201);
  WsClient viewer(port_, "/ws");
  viewer.send(R"({"type":"start_stream","cameraId":"both"})");
  ASSERT_TRUE(next(viewer, "camera_status", "both"));
  ASSERT_TRUE(results.wait_live("both", 1));
  results.push("both",
               R"({"type":"detection_result","cameraId":"both","data":{"riskAssessment":{}}})");
  EXPECT_TRUE(viewer.wait_for(
      [](const std::string& text) { return text.find("riskAssessment") != std::string::npos; },
      10s));
}

}  // namespace
}  // namespace tmon::detect
