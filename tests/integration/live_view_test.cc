// Live view of a camera from an API process that does not pull it (issue
// 18): `tmon detect` pulls a sim:// camera, `tmon api` serves a /ws client
// speaking the original envelope, both on one real Redis. Without a watcher
// the detect process publishes no preview at all (counted against the
// frames it analysed, not a sleep); with one, detection_result frames with
// the annotated picture reach the client through the API process; once the
// watcher leaves, publishing stops (well within the lease TTL).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "child_process.h"
#include "eventually.h"
#include "http_get.h"
#include "redis_server.h"
#include "temp_dir.h"
#include "ws_client.h"

namespace tmon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;

constexpr int kCamera = 7;  // an integer id, as the original's front end has them

// Short leases and polls, so the test sees them turn over; frames every 0.25 s.
constexpr const char* kPreview =
    "preview: {lease_ttl_seconds: 3, lease_refresh_seconds: 1, lease_poll_seconds: 0.5}\n";

struct Process {
  std::unique_ptr<ChildProcess> child;
  int port = 0;
};

Process start(const testing::TempDir& root, const std::string& name, const std::string& command,
              const std::string& pipeline_yaml, const std::string& redis_url) {
  const std::string dir = (root.path() / name).string();
  std::filesystem::create_directories(dir);
  root.write(name + "/pipeline.yaml", pipeline_yaml);
  Process process;
  process.child = std::make_unique<ChildProcess>(
      std::vector<std::string>{TMON_BINARY, command, "--config-dir", dir, "--api-port", "0"},
      std::map<std::string, std::string>{{"TMON_REDIS_URL", redis_url}});
  const auto port =
      process.child->wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 60s);
  EXPECT_TRUE(port) << process.child->stderr_text();
  process.port = port ? std::stoi(*port) : 0;
  return process;
}

// A sample's value in a /metrics body (0 when absent).
double metric(int port, const std::string& series) {
  const auto reply = testing::http_get(port, "/metrics");
  const size_t at = reply.body.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(reply.body.substr(at + series.size() + 2));
}

const std::string kPublished = "tmon_preview_frames_published_total";
const std::string kBytes = "tmon_preview_bytes_published_total";
const std::string kUnwatched = R"(tmon_preview_frames_skipped_total{reason="unwatched"})";

// Within `within`, the camera's frames are skipped as unwatched (while a
// lease lives they are published, not skipped); from then on none is
// published, over the next eight frames analysed. Judged by frames, not time.
void expect_publishing_stops(int port, std::chrono::milliseconds within, const std::string& after) {
  const double unwatched_at = metric(port, kUnwatched);
  ASSERT_TRUE(
      testing::eventually([&] { return metric(port, kUnwatched) >= unwatched_at + 2; }, within))
      << "frames still published " << within.count() << " ms after " << after;
  const double published = metric(port, kPublished);
  const double unwatched = metric(port, kUnwatched);
  ASSERT_TRUE(testing::eventually([&] { return metric(port, kUnwatched) >= unwatched + 8; }, 30s));
  EXPECT_EQ(metric(port, kPublished), published) << "a preview went out after " << after;
}

bool is_frame_of_camera(const std::string& text) {
  const json message = json::parse(text, nullptr, false);
  return message.is_object() && message.value("type", "") == "detection_result" &&
         message["data"].value("cameraId", json()) == kCamera && message["data"].contains("frame");
}

TEST(LiveViewTest, ACameraPulledByDetectIsWatchedThroughAnApiProcessOnlyWhileWatched) {
  testing::TestRedis redis;
  testing::TempDir root;
  const std::string redis_yaml = "redis:\n  url: " + redis.url() + "\n";
  Process detect =
      start(root, "detect", "detect",
            "cameras:\n  - {id: " + std::to_string(kCamera) +
                ", url: \"sim://?seed=7\"}\n"
                "detection: {frame_interval_seconds: 0.25, track_fps: 0, workers: 1}\n" +
                redis_yaml + kPreview,
            redis.url());
  Process api = start(root, "api", "api", redis_yaml + kPreview, redis.url());
  ASSERT_TRUE(detect.port > 0 && api.port > 0);

  // Unwatched: frames are analysed (and offered), none is published.
  ASSERT_TRUE(testing::eventually([&] { return metric(detect.port, kUnwatched) >= 8; }, 60s))
      << detect.child->stderr_text();
  EXPECT_EQ(metric(detect.port, kPublished), 0);
  EXPECT_EQ(metric(detect.port, kBytes), 0);
  const json health =
      json::parse(testing::http_get(detect.port, "/api/health/health_check").body, nullptr, false);
  EXPECT_EQ(health["data"]["components"]["preview"]["status"], "ok") << health.dump();

  // Watched from the API process, which pulls no camera.
  auto ws = std::make_unique<testing::WsClient>(api.port, "/ws");
  ASSERT_TRUE(ws->connected());
  ws->send(json{{"type", "start_stream"}, {"data", {{"cameraId", kCamera}}}}.dump());
  const auto status = ws->wait_for(
      [](const std::string& text) {
        const json message = json::parse(text, nullptr, false);
        return message.value("type", "") == "camera_status";
      },
      10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(json::parse(*status)["data"]["status"], 1) << *status;
  const auto pushed = ws->wait_for(is_frame_of_camera, 20s);
  ASSERT_TRUE(pushed) << "no detection_result frame of the remote camera\n"
                      << api.child->stderr_text() << detect.child->stderr_text();
  const json data = json::parse(*pushed)["data"];
  // The original's detection_result: the annotated picture as a data URI,
  // objects with their class, the id as the integer it is.
  EXPECT_EQ(data["frame"].get<std::string>().rfind("data:image/jpeg;base64,/9j/", 0), 0u);
  EXPECT_TRUE(data["detectedObjects"].is_array());
  EXPECT_TRUE(data["trafficGroups"].is_array());
  EXPECT_EQ(data["renderedBy"], "server");
  EXPECT_TRUE(data.contains("imageWidth"));
  EXPECT_GE(metric(detect.port, kPublished), 1);
  EXPECT_GE(metric(api.port, "tmon_preview_frames_received_total"), 1);
  EXPECT_EQ(metric(api.port, "tmon_preview_watched_cameras"), 1);

  // Measured while watched: bytes per second of one watched camera.
  const double bytes_before = metric(detect.port, kBytes);
  const double frames_before = metric(detect.port, kPublished);
  const auto measure_from = std::chrono::steady_clock::now();
  ASSERT_TRUE(testing::eventually(
      [&] { return metric(detect.port, kPublished) >= frames_before + 8; }, 30s));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - measure_from).count();
  const double frames = metric(detect.port, kPublished) - frames_before;
  const double bytes = metric(detect.port, kBytes) - bytes_before;
  std::printf(
      "preview traffic, one watched camera: %.0f previews in %.1f s = %.2f/s, "
      "%.0f bytes/s, %.0f bytes each\n",
      frames, seconds, frames / seconds, bytes / seconds, bytes / frames);
  EXPECT_LE(frames / seconds, 2.5);  // preview.max_fps 2 (frames come at 4/s)
  EXPECT_LE(bytes / frames, 65'536);

  // A second detect process, pulling nothing, asked by the original front
  // end (with an rtspUrl, from a connection that may open sources) for the
  // camera the first one pulls: it watches that one's previews rather than
  // opening a second pull of the source.
  Process other = start(
      root, "detect-2", "detect",
      "cameras: []\napi: {admin_token: preview-test-admin}\n" + redis_yaml + kPreview, redis.url());
  ASSERT_GT(other.port, 0);
  auto front_end = std::make_unique<testing::WsClient>(
      other.port, "/ws",
      std::map<std::string, std::string>{{"Authorization", "Bearer preview-test-admin"}});
  ASSERT_TRUE(front_end->connected());
  front_end->send(json{{"type", "start_stream"},
                       {"data", {{"cameraId", kCamera}, {"rtspUrl", "sim://?seed=99"}}}}
                      .dump());
  ASSERT_TRUE(front_end->wait_for(is_frame_of_camera, 20s))
      << "no frame of the camera pulled elsewhere\n"
      << other.child->stderr_text();
  const auto listed = testing::http_get(other.port, "/api/cameras");
  EXPECT_EQ(json::parse(listed.body, nullptr, false)["data"], json::array()) << listed.body;
  EXPECT_EQ(metric(detect.port, "tmon_preview_leased_cameras"), 1);

  // The watchers leave: their leases are dropped at once; the detect process
  // stops at its next poll (0.5 s). Judge by analysed frames, not by time.
  front_end.reset();
  ws.reset();
  expect_publishing_stops(detect.port, 3s, "the watchers left (lease TTL 3 s)");
  EXPECT_TRUE(testing::eventually(
      [&] { return metric(api.port, "tmon_preview_watched_cameras") == 0; }, 5s));

  // An API process killed while watching drops nothing: its lease expires
  // by itself (lease_ttl_seconds 3) and publishing stops then.
  Process doomed = start(root, "api-2", "api", redis_yaml + kPreview, redis.url());
  auto last_watcher = std::make_unique<testing::WsClient>(doomed.port, "/ws");
  last_watcher->send(json{{"type", "start_stream"}, {"data", {{"cameraId", kCamera}}}}.dump());
  ASSERT_TRUE(last_watcher->wait_for(is_frame_of_camera, 20s)) << doomed.child->stderr_text();
  doomed.child->signal(SIGKILL);
  ASSERT_TRUE(doomed.child->wait(10s));
  expect_publishing_stops(detect.port, 10s, "the only watcher's process was killed (TTL 3 s)");

  for (Process* process : {&api, &other, &detect}) {
    process->child->signal(SIGTERM);
    EXPECT_EQ(process->child->wait(30s), 0) << process->child->stderr_text();
  }
}

}  // namespace
}  // namespace tmon
