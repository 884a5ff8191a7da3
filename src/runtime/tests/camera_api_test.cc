// The cameras this process pulls, as the API serves them: the REST routes and
// /ws in the original system's protocol, over the real camera manager
// (sim:// scenes) through ManagedCameras, on a real server with real clients.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/camera_routes.h"
#include "api/live_feed.h"
#include "api/ws_protocol.h"
#include "runtime/camera_control.h"
#include "detect/camera_manager.h"
#include "detect/detector_factory.h"
#include "eventually.h"
#include "http/server.h"
#include "http_get.h"
#include "messages/frame_view.h"
#include "metrics/exposition.h"
#include "refusing_port.h"
#include "ws_client.h"

namespace tmon::runtime {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::http_request;
using testing::WsClient;

// The data of the next {type, data} message of `type` (and camera, if given).
std::optional<json> next(WsClient& client, const std::string& type,
                         const std::optional<json>& camera = std::nullopt,
                         std::chrono::milliseconds timeout = 20s) {
  auto text = client.wait_for(
      [&](const std::string& message) {
        const json parsed = json::parse(message, nullptr, false);
        return parsed.is_object() && parsed.value("type", "") == type && parsed.contains("data") &&
               (!camera || parsed["data"].value("cameraId", json()) == *camera);
      },
      timeout);
  if (!text) return std::nullopt;
  return json::parse(*text)["data"];
}

class CameraApiTest : public ::testing::Test {
 protected:
  CameraApiTest() {
    auto router = std::make_shared<http::Router>();
    api::add_camera_routes(*router, control_, ws_.slow_executor());
    ws_.attach(*router);
    metrics::add_metrics_route(*router, registry_);
    auto server = http::Server::start({}, router);
    EXPECT_TRUE(server);
    server_ = std::move(*server);
    port_ = server_->port();
    cameras_.start();
  }
  ~CameraApiTest() override {
    ws_.stop();
    // Cameras before the server: a camera whose removal was posted after
    // ws_.stop() (a client's close seen late, on a busy machine) would
    // otherwise hand frames to sessions of a stopped server (a crash seen
    // once under the full suite).
    cameras_.stop();
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
  std::unique_ptr<WsClient> connect() {
    auto client = std::make_unique<WsClient>(port_, "/ws");
    EXPECT_TRUE(client->connected());
    EXPECT_TRUE(next(*client, "connection_ack"));
    return client;
  }

  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  detect::DetectMetrics metrics_{*registry_};
  detect::DetectorFactory detectors_{settings()};
  detect::CameraManager cameras_{detectors_, detect::AnalyzerOptions{}, &metrics_,
                                 SystemClock::instance(), 2};
  ManagedCameras control_{cameras_, settings()};
  api::LiveFeed feed_{SystemClock::instance()};
  api::WsProtocol ws_{&control_, &feed_, SystemClock::instance(),
                      api::WsOptions{Millis(5'000),
                                     [](const std::string& detector) {
                                       return detect::detector_classes(settings(), detector);
                                     },
                                     {},
                                     nullptr,
                                     {}}};
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

TEST_F(CameraApiTest, ANumericCameraIdIsAcceptedAndEchoedAsANumberEverywhere) {
  const auto created = post(R"({"cameraId":901,"url":"sim://?seed=2"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body)["data"]["cameraId"], 901);
  EXPECT_EQ(json::parse(http_request("GET", port_, "/api/cameras").body)["data"][0]["cameraId"],
            901);
  // Its frames leave detection with the number too.
  auto client = connect();
  client->send(R"({"type":"start_stream","data":{"cameraId":901}})");
  ASSERT_TRUE(next(*client, "camera_status", 901));
  const auto frame = next(*client, "detection_result", 901);
  ASSERT_TRUE(frame);
  EXPECT_EQ((*frame)["cameraId"], 901);
  const auto removed = http_request("DELETE", port_, "/api/cameras/901");
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(json::parse(removed.body)["data"]["cameraId"], 901);
}

TEST_F(CameraApiTest, BadCameraRequestsGet400WithAReason) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"not json", "JSON object"},
      {R"({"url":"sim://"})", "cameraId"},
      {R"({"cameraId":1.5,"url":"sim://"})", "cameraId"},
      {R"({"cameraId":"x"})", "url"},
      {R"({"cameraId":"x","url":"sim://","frameInterval":-1})", "frameInterval"},
      {R"({"cameraId":"x","url":"sim://","detector":"sonar"})", "expected motion, yolo or hog"},
      {R"({"cameraId":"x","url":"sim://","frameInterval":1e-9})", "frameInterval"},
      {R"({"cameraId":"x","url":"sim://","frameInterval":1e300})", "frameInterval"},
      // Missing, not allowed, or outside the media roots: one answer.
      {R"({"cameraId":"x","url":"/no/such/video.mp4"})", "source not allowed"},
      {R"({"cameraId":"x","url":"file:///etc/passwd"})", "source not allowed"},
      {R"({"cameraId":"x","url":"/tmp"})", "source not allowed"},
      {R"({"cameraId":"x","url":"gopher://10.0.0.1/"})", "source not allowed"},
      {R"({"cameraId":"a b","url":"sim://"})", "cameraId"},
  };
  for (const auto& [body, reason] : cases) {
    const auto reply = post(body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_NE(reply.body.find(reason), std::string::npos) << body << " -> " << reply.body;
  }
  EXPECT_TRUE(cameras_.list().empty());
}

TEST_F(CameraApiTest, PutReplacesACamerasSpecAndRestartsIt) {
  ASSERT_EQ(post(R"({"cameraId":901,"url":"sim://?seed=2","frameInterval":1})").status, 201);
  const auto put = [&](const std::string& path, const std::string& body) {
    return http_request("PUT", port_, path, body);
  };
  const auto replaced = put("/api/cameras/901", R"({"url":"sim://?seed=3","frameInterval":0.5})");
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  const json camera = json::parse(replaced.body)["data"];
  EXPECT_EQ(camera["cameraId"], 901);  // the type it was added with
  EXPECT_EQ(camera["url"], "sim://?seed=3");
  EXPECT_EQ(camera["frameInterval"], 0.5);
  const auto running = cameras_.status("901");
  ASSERT_TRUE(running);
  EXPECT_EQ(running->url, "sim://?seed=3");
  EXPECT_EQ(running->frame_interval_seconds, 0.5);

  // Refused: the running camera stays as it was.
  const std::vector<std::tuple<std::string, std::string, int, std::string>> refused{
      {"/api/cameras/901", "not json", 400, "JSON object"},
      {"/api/cameras/901", R"({"cameraId":902,"url":"sim://"})", 400, "camera_id_mismatch"},
      {"/api/cameras/901", R"({"cameraId":"x y","url":"sim://"})", 400, "camera_id_mismatch"},
      {"/api/cameras/901", R"({"url":"sim://","detector":"sonar"})", 400, "bad_detector"},
      {"/api/cameras/901", R"({"url":"sim://","frameInterval":0})", 400, "frameInterval"},
      {"/api/cameras/901", R"({"url":"file:///etc/passwd"})", 400, "source not allowed"},
      {"/api/cameras/901", R"({"frameInterval":2})", 400, "url"},
      {"/api/cameras/nope", R"({"url":"sim://"})", 404, "unknown_camera"},
  };
  for (const auto& [path, body, status, reason] : refused) {
    const auto reply = put(path, body);
    EXPECT_EQ(reply.status, status) << path << " " << body << " -> " << reply.body;
    EXPECT_NE(reply.body.find(reason), std::string::npos) << body << " -> " << reply.body;
  }
  EXPECT_EQ(cameras_.status("901")->url, "sim://?seed=3");
  EXPECT_EQ(cameras_.list().size(), 1u);
  // The same id in the body, as a number or its text, is the camera of the path.
  EXPECT_EQ(put("/api/cameras/901", R"({"cameraId":901,"url":"sim://?seed=4"})").status, 200);
  EXPECT_EQ(put("/api/cameras/901", R"({"cameraId":"901","url":"sim://?seed=5"})").status, 200);
}

TEST_F(CameraApiTest, WebSocketSpeaksTheOriginalProtocol) {
  auto client = connect();
  client->send(R"({"type":"ping","data":{}})");
  ASSERT_TRUE(next(*client, "pong"));

  client->send(R"({"type":"start_stream","data":{"cameraId":3,"rtspUrl":"sim://?seed=7"}})");
  const auto status = next(*client, "camera_status", 3);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, (json{{"cameraId", 3}, {"status", 1}, {"message", "Stream started"}}));

  // A frame with groups: sim scenes have traffic, a few frames bring a group.
  std::optional<json> data;
  for (int i = 0; i < 50 && (!data || (*data)["trafficGroups"].empty()); ++i) {
    data = next(*client, "detection_result", 3);
    ASSERT_TRUE(data);
  }
  ASSERT_FALSE((*data)["trafficGroups"].empty()) << "no group in 50 frames";
  EXPECT_EQ((*data)["frame"].get<std::string>().rfind("data:image/jpeg;base64,", 0), 0u);
  EXPECT_EQ((*data)["timestamp"].get<std::string>().back(), 'Z');  // ISO-8601
  EXPECT_EQ((*data)["detectedObjects"][0]["level"], 0);
  EXPECT_TRUE((*data)["detectedObjects"][0]["class"].is_string());
  const json& group = (*data)["trafficGroups"][0];
  EXPECT_EQ(group["groupIndex"], 1);
  for (const char* field :
       {"objectCount", "memberCount", "bbox", "groupBbox", "classes", "averageConfidence",
        "avgConfidence", "memberIndices", "riskLevel", "riskLevelRaw"}) {
    EXPECT_TRUE(group.contains(field)) << field;
  }
  EXPECT_EQ(group["riskLevel"], "gray");  // nothing assessed yet
  EXPECT_EQ((*data)["groupImages"][0]["imageBase64"].get<std::string>().rfind("data:", 0),
            std::string::npos);
  EXPECT_EQ((*data)["supportedClasses"], json({"person", "car", "truck"}));
  EXPECT_EQ((*data)["modelType"], "motion");

  client->send(R"({"type":"stop_stream","data":{"cameraId":3}})");
  const auto stopped = next(*client, "stream_stopped", 3);
  ASSERT_TRUE(stopped);
  EXPECT_EQ((*stopped)["reason"], "Stopped by client");
  // The camera was started for this client alone: it goes when they stop.
  EXPECT_TRUE(eventually([&] { return !cameras_.has("3"); }));
}

TEST_F(CameraApiTest, FramesCarryTheNewestAssessmentPushedByTheAggregator) {
  auto client = connect();
  client->send(R"({"type":"start_stream","data":{"cameraId":"risky","rtspUrl":"sim://?seed=7"}})");
  ASSERT_TRUE(next(*client, "camera_status", "risky"));
  std::optional<json> data;
  for (int i = 0; i < 50 && (!data || (*data)["trafficGroups"].empty()); ++i) {
    data = next(*client, "detection_result", "risky");
    ASSERT_TRUE(data);
  }
  ASSERT_FALSE((*data)["trafficGroups"].empty());

  // The aggregator's view of an earlier frame, with its groups at high risk,
  // as the Redis subscriber hands it to the feed. Groups come and go as the
  // simulated road users move (more so on a busy machine, where frames are
  // further apart), so while none of the assessed groups is in view the view
  // is published again for the groups of the newest frame.
  const auto publish_assessment = [&](const json& frame) {
    messages::FrameView view;
    view.cameraId = "risky";
    view.requestId = frame["requestId"];
    view.captureTs = frame["captureTs"];
    view.storedTs = view.captureTs + 900;
    view.hasDangerousDriving = true;
    view.maxRiskLevel = messages::RiskLevel::kHigh;
    for (const auto& group : frame["trafficGroups"]) {
      view.results.push_back(
          {{1, messages::RiskLevel::kHigh, 0.9, {"人车冲突"}, "行人靠近", 2, {0, 1}},
           group["groupId"].get<std::string>(),
           "t-1"});
    }
    feed_.publish("risky", messages::encode(view));
  };
  publish_assessment(*data);

  // A later frame where an assessed group (same stable id) is still there wears it.
  std::optional<json> assessed;
  for (int i = 0; i < 100 && !assessed; ++i) {
    const auto frame = next(*client, "detection_result", "risky");
    ASSERT_TRUE(frame);
    for (const auto& group : (*frame)["trafficGroups"]) {
      if (group["riskLevelRaw"] == "high") assessed = group;
    }
    if (assessed) {
      EXPECT_EQ((*frame)["maxRiskLevel"], "high");
      EXPECT_EQ((*frame)["hasDangerousDriving"], true);
    } else if (!(*frame)["trafficGroups"].empty() &&
               (*frame)["assessedRequestId"] == (*data)["requestId"]) {
      // The assessed groups are gone from view; assess this frame's instead.
      data = frame;
      publish_assessment(*data);
    }
  }
  ASSERT_TRUE(assessed) << "no assessed group ever shown with its assessment";
  EXPECT_EQ((*assessed)["riskLevel"], "blue");
  EXPECT_EQ((*assessed)["riskTypes"], json({"人车冲突"}));
  EXPECT_EQ((*assessed)["alertDescription"], "行人靠近");
}

TEST_F(CameraApiTest, StartStreamAgainRestartsTheCameraThisConnectionStarted) {
  auto client = connect();
  client->send(R"({"type":"start_stream","data":{"cameraId":"again","rtspUrl":"sim://?seed=1"}})");
  ASSERT_TRUE(next(*client, "camera_status", "again"));
  EXPECT_EQ(control_.info("again")->url, "sim://?seed=1");
  client->send(R"({"type":"start_stream","data":{"cameraId":"again","rtspUrl":"sim://?seed=2"}})");
  const auto status = next(*client, "camera_status", "again");
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["status"], 1);
  EXPECT_EQ(control_.info("again")->url, "sim://?seed=2");
  // Still one watcher: one stop ends it.
  client->send(R"({"type":"stop_stream","data":{"cameraId":"again"}})");
  ASSERT_TRUE(next(*client, "stream_stopped", "again"));
  EXPECT_TRUE(eventually([&] { return !cameras_.has("again"); }));
}

TEST_F(CameraApiTest, TwoViewersShareOneStreamPull) {
  auto first = connect();
  auto second = connect();
  first->send(R"({"type":"start_stream","data":{"cameraId":"shared","rtspUrl":"sim://?seed=8"}})");
  ASSERT_TRUE(next(*first, "camera_status", "shared"));
  second->send(R"({"type":"start_stream","data":{"cameraId":"shared"}})");  // join the stream
  ASSERT_TRUE(next(*second, "camera_status", "shared"));

  // Both see the same frames of the one camera. A frame the second viewer
  // gets came after it joined, so the first, watching since before, has it too.
  const auto b = next(*second, "detection_result", "shared");
  ASSERT_TRUE(b);
  const int64_t frame_number = (*b)["frameNumber"];
  const auto a = first->wait_for(
      [&](const std::string& text) {
        const json parsed = json::parse(text, nullptr, false);
        return parsed.value("type", "") == "detection_result" &&
               parsed["data"].value("frameNumber", int64_t{0}) == frame_number;
      },
      10s);
  EXPECT_TRUE(a) << "the first viewer did not get frame " << frame_number;
  EXPECT_EQ(cameras_.list().size(), 1u);

  // One viewer leaving keeps the stream for the other; the last one ends it.
  first->send(R"({"type":"stop_stream","data":{"cameraId":"shared"}})");
  ASSERT_TRUE(next(*first, "stream_stopped", "shared"));
  // Frames keep coming to the other viewer after the stop: the camera lives.
  ASSERT_TRUE(next(*second, "detection_result", "shared"));
  const int64_t after = cameras_.status("shared")->frames_sampled;
  ASSERT_TRUE(eventually([&] { return cameras_.status("shared")->frames_sampled > after + 1; }));
  second->send(R"({"type":"stop_stream","data":{"cameraId":"shared"}})");
  ASSERT_TRUE(next(*second, "stream_stopped", "shared"));
  EXPECT_TRUE(eventually([&] { return !cameras_.has("shared"); }));
}

TEST_F(CameraApiTest, ConfiguredCamerasOutliveTheirViewers) {
  ASSERT_EQ(post(R"({"cameraId":"fixed","url":"sim://?seed=9"})").status, 201);
  {
    auto viewer = connect();
    viewer->send(R"({"type":"start_stream","data":{"cameraId":"fixed"}})");
    ASSERT_TRUE(next(*viewer, "detection_result", "fixed"));
  }  // the browser tab closes without a stop_stream
  ASSERT_TRUE(eventually([&] { return ws_.clients() == 0; }));
  // Removals go through the protocol's one worker in order: once a later
  // start is answered, a removal due to the close would have happened.
  auto later = connect();
  later->send(R"({"type":"start_stream","data":{"cameraId":"other","rtspUrl":"sim://?seed=3"}})");
  ASSERT_TRUE(next(*later, "camera_status", "other"));
  EXPECT_TRUE(cameras_.has("fixed"));
}

TEST_F(CameraApiTest, ProblemsComeBackAsCameraStatus) {
  auto client = connect();
  client->send(R"({"type":"start_stream","data":{"cameraId":"nowhere"}})");
  const auto unknown = next(*client, "camera_status", "nowhere");
  ASSERT_TRUE(unknown);
  EXPECT_EQ((*unknown)["status"], 2);
  EXPECT_NE((*unknown)["message"].get<std::string>().find("unknown camera"), std::string::npos);

  testing::RefusingPort refusing;
  const std::string dead = "rtsp://127.0.0.1:" + std::to_string(refusing.port()) + "/live";
  client->send(
      json{{"type", "check_camera"}, {"data", {{"cameraId", 11}, {"rtspUrl", dead}}}}.dump());
  const auto probe = next(*client, "camera_status", 11);
  ASSERT_TRUE(probe);
  EXPECT_EQ((*probe)["status"], 0);
  EXPECT_EQ((*probe)["message"], "Offline");

  client->send(
      json{{"type", "start_stream"}, {"data", {{"cameraId", "x"}, {"rtspUrl", "gopher://old"}}}}
          .dump());
  const auto bad = next(*client, "camera_status", "x");
  ASSERT_TRUE(bad);
  EXPECT_EQ((*bad)["status"], 2);

  // A source that starts and then fails: status 2 with the reason.
  client->send(
      json{{"type", "start_stream"}, {"data", {{"cameraId", 12}, {"rtspUrl", dead}}}}.dump());
  const auto started = next(*client, "camera_status", 12);
  ASSERT_TRUE(started);
  EXPECT_EQ((*started)["status"], 1);
  const auto fault = next(*client, "camera_status", 12);
  ASSERT_TRUE(fault);
  EXPECT_EQ((*fault)["status"], 2);
  EXPECT_FALSE((*fault)["message"].get<std::string>().empty());

  client->send(R"({"type":"launch_rockets","data":{}})");
  ASSERT_TRUE(next(*client, "error"));
  client->send(R"({"type":"check_camera","data":{"cameraId":"nowhere"}})");
  EXPECT_TRUE(next(*client, "camera_status", "nowhere"));  // still talking
}

TEST_F(CameraApiTest, MetricsAreServedInPrometheusFormat) {
  ASSERT_EQ(post(R"({"cameraId":"m1","url":"sim://?seed=3","frameInterval":0.1})").status, 201);
  ASSERT_TRUE(eventually([&] { return cameras_.status("m1")->frames_sampled >= 2; }));
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
}  // namespace tmon::runtime
