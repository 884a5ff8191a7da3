// Issue 13's attacks on the control surface of a real `tmon up`, sent as an
// attacker would: control without, with a wrong and with the right token;
// a cross-site form and a cross-origin WebSocket; local files, folders and
// internal addresses as cameras; a thousand camera adds; absurd frame
// intervals; credentials in camera URLs. One process serves the suite.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>

#include "child_process.h"
#include "http_get.h"
#include "temp_dir.h"
#include "ws_client.h"

namespace tmon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;
using testing::http_request;

constexpr int kMaxCameras = 5;
const std::string kToken = "attack-test-admin-token-7f3a9c";
const std::string kViewerToken = "attack-test-viewer-token-51be2d";
const std::string kFrontEnd = "http://front.example";

struct Up {
  testing::TempDir config;
  std::unique_ptr<ChildProcess> process;
  int port = 0;

  Up() {
    config.write("kafka.yaml", "consumer:\n  fetch_wait_max_ms: 10\n");
    config.write("pipeline.yaml",
                 "cameras: []\n"
                 "detection:\n  track_fps: 0\n  max_cameras: " +
                     std::to_string(kMaxCameras) +
                     "\n  allowed_hosts: [cams.example]\n"
                     "api:\n  allowed_origins: [\"" +
                     kFrontEnd + "\"]\n  request_timeout_ms: 1500\n");
    process = std::make_unique<ChildProcess>(
        std::vector<std::string>{TMON_BINARY, "up", "--config-dir", config.str(), "--api-port",
                                 "0"},
        std::map<std::string, std::string>{{"DASHSCOPE_API_KEY", ""},
                                           {"TMON_REDIS_URL", "redis://127.0.0.1:1/0"},
                                           {"TMON_ADMIN_TOKEN", kToken},
                                           {"TMON_VIEWER_TOKEN", kViewerToken}});
    if (const auto api =
            process->wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 30s)) {
      port = std::stoi(*api);
    }
  }
};

class AttackControlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { up_ = new Up(); }
  static void TearDownTestSuite() {
    up_->process->signal(SIGTERM);
    EXPECT_EQ(up_->process->wait(30s), 0) << up_->process->stderr_text();
    // The tokens never reach the logs or stdout.
    for (const auto& secret : {kToken, kViewerToken}) {
      EXPECT_EQ(up_->process->stderr_text().find(secret), std::string::npos);
      EXPECT_EQ(up_->process->stdout_text().find(secret), std::string::npos);
    }
    delete up_;
  }
  void SetUp() override { ASSERT_GT(up_->port, 0) << up_->process->stderr_text(); }

  static int port() { return up_->port; }
  static std::map<std::string, std::string> admin() {
    return {{"Authorization", "Bearer " + kToken}};
  }
  static testing::HttpReply add(const std::string& body,
                                std::map<std::string, std::string> headers = admin()) {
    return http_request("POST", port(), "/api/cameras", body, headers, 5000);
  }
  static testing::HttpReply remove(const std::string& id) {
    return http_request("DELETE", port(), "/api/cameras/" + id, "", admin(), 5000);
  }
  static json cameras() {
    return json::parse(http_request("GET", port(), "/api/cameras").body)["data"];
  }

  static Up* up_;
};

Up* AttackControlTest::up_ = nullptr;

TEST_F(AttackControlTest, ControlWithoutWithAWrongAndWithTheRightToken) {
  const std::string body = R"({"cameraId":"ctl","url":"sim://?seed=1","frameInterval":5})";
  EXPECT_EQ(add(body, {}).status, 401);
  EXPECT_EQ(add(body, {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(add(body, {{"Authorization", "Bearer " + kToken + "x"}}).status, 401);
  EXPECT_EQ(add(body, {{"Authorization", "Bearer " + kViewerToken}}).status, 403);
  EXPECT_EQ(add(body, {{"Authorization", kToken}}).status, 401);  // not a bearer header
  EXPECT_TRUE(cameras().empty());
  const auto added = add(body);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(http_request("DELETE", port(), "/api/cameras/ctl").status, 401);
  EXPECT_EQ(remove("ctl").status, 200);
  // Reads stay open on loopback; the session endpoint says what is needed.
  EXPECT_EQ(http_request("GET", port(), "/api/cameras").status, 200);
  const json session = json::parse(http_request("GET", port(), "/api/session").body);
  EXPECT_EQ(session["authenticated"], false);
  EXPECT_EQ(session["authRequired"], false);
}

TEST_F(AttackControlTest, LoginSessionControlsAndLogoutEndsIt) {
  EXPECT_EQ(http_request("POST", port(), "/api/login", R"({"token":"nope"})").status, 401);
  const auto login = http_request("POST", port(), "/api/login", json{{"token", kToken}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string cookie = login.headers.at("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  const std::string session = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(
      add(R"({"cameraId":"s1","url":"sim://","frameInterval":5})", {{"Cookie", session}}).status,
      201);
  EXPECT_EQ(http_request("DELETE", port(), "/api/cameras/s1", "", {{"Cookie", session}}).status,
            200);
  EXPECT_EQ(http_request("POST", port(), "/api/logout", "", {{"Cookie", session}}).status, 200);
  EXPECT_EQ(
      add(R"({"cameraId":"s2","url":"sim://","frameInterval":5})", {{"Cookie", session}}).status,
      401);
}

TEST_F(AttackControlTest, CrossSiteFormPostIsRefused) {
  // What a page elsewhere can send without a preflight: a text/plain form,
  // with the operator's cookies (none match: SameSite=Strict) and its Origin.
  const std::string body = R"({"cameraId":"csrf","url":"sim://"})";
  EXPECT_EQ(add(body, {{"Origin", "http://evil.example"}, {"Content-Type", "text/plain"}}).status,
            403);
  // Even holding the token, neither a foreign origin nor a form body passes.
  auto with_token = admin();
  with_token["Origin"] = "http://evil.example";
  EXPECT_EQ(add(body, with_token).status, 403);
  with_token.erase("Origin");
  with_token["Content-Type"] = "text/plain";
  EXPECT_EQ(add(body, with_token).status, 415);
  EXPECT_TRUE(cameras().empty());
  // The allowed front end, with the token, may.
  with_token["Content-Type"] = "application/json";
  with_token["Origin"] = kFrontEnd;
  const auto added = add(R"({"cameraId":"front","url":"sim://","frameInterval":5})", with_token);
  EXPECT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.headers.count("Access-Control-Allow-Origin"), 1u);
  EXPECT_EQ(remove("front").status, 200);
}

// PUT /api/cameras/{id} through the registry of `tmon up`: the same guards
// as POST and DELETE, and nothing written when refused.
TEST_F(AttackControlTest, PutIsGuardedLikePostAndRefusesWhatPostRefuses) {
  ASSERT_EQ(add(R"({"cameraId":"put","url":"sim://?seed=1","frameInterval":5})").status, 201);
  const auto put = [](const std::string& id, const std::string& body,
                      std::map<std::string, std::string> headers = admin()) {
    return http_request("PUT", port(), "/api/cameras/" + id, body, headers, 5000);
  };
  const std::string body = R"({"url":"sim://?seed=2","frameInterval":2})";
  EXPECT_EQ(put("put", body, {}).status, 401);
  EXPECT_EQ(put("put", body, {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(put("put", body, {{"Authorization", "Bearer " + kViewerToken}}).status, 403);
  auto foreign = admin();
  foreign["Origin"] = "http://evil.example";
  EXPECT_EQ(put("put", body, foreign).status, 403);
  for (const auto& [bad, reason] : std::vector<std::pair<std::string, std::string>>{
           {"{not json", "bad_body"},
           {R"({"url":7})", "bad_url"},
           {R"({"url":"sim://","detector":"sonar"})", "bad_detector"},
           {R"({"url":"sim://","frameInterval":1e-9})", "bad_frame_interval"},
           {R"({"cameraId":"other","url":"sim://"})", "camera_id_mismatch"},
           {R"({"url":"file:///etc/passwd"})", "source not allowed"},
           {R"({"url":"http://169.254.169.254/latest/meta-data/"})", "source not allowed"}}) {
    const auto reply = put("put", bad);
    EXPECT_EQ(reply.status, 400) << bad << " -> " << reply.body;
    EXPECT_NE(reply.body.find(reason), std::string::npos) << bad << " -> " << reply.body;
  }
  EXPECT_EQ(put("nobody", body).status, 404);
  for (const auto& camera : cameras()) {
    if (camera["cameraId"] == "put") {
      EXPECT_EQ(camera["url"], "sim://?seed=1");
    }
    EXPECT_NE(camera["cameraId"], "nobody");
  }
  // With the token: written, read back, answered with the camera (masked).
  const auto replaced =
      put("put", R"({"url":"rtsp://admin:pw-put-9@cams.example/live","frameInterval":2})");
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  const json camera = json::parse(replaced.body)["data"];
  EXPECT_EQ(camera["url"], "rtsp://***@cams.example/live");
  EXPECT_EQ(camera["frameInterval"], 2);
  EXPECT_EQ(replaced.body.find("pw-put-9"), std::string::npos);
  EXPECT_EQ(remove("put").status, 200);
  EXPECT_EQ(up_->process->stderr_text().find("pw-put-9"), std::string::npos);
}

TEST_F(AttackControlTest, CrossOriginWebSocketIsRefused) {
  testing::WsClient evil(port(), "/ws", {{"Origin", "http://evil.example"}});
  EXPECT_FALSE(evil.connected());
  testing::WsClient evil_with_token(port(), "/ws?token=" + kToken,
                                    {{"Origin", "http://evil.example"}});
  EXPECT_FALSE(evil_with_token.connected());

  // A script without credential may watch, not open a source.
  testing::WsClient anonymous(port(), "/ws");
  ASSERT_TRUE(anonymous.connected());
  anonymous.send(R"({"type":"start_stream","data":{"cameraId":"ws-anon","rtspUrl":"sim://"}})");
  EXPECT_TRUE(anonymous.wait_for(
      [](const std::string& text) { return text.find("not allowed") != std::string::npos; }, 5s));
  anonymous.send(
      R"({"type":"check_camera","data":{"cameraId":"p","rtspUrl":"rtsp://cams.example:554/x"}})");
  EXPECT_TRUE(anonymous.wait_for(
      [](const std::string& text) { return text.find("not allowed") != std::string::npos; }, 5s));
  for (const auto& camera : cameras()) EXPECT_NE(camera["cameraId"], "ws-anon");

  // The original front end: its origin is allowed, it sends no credential.
  testing::WsClient front(port(), "/ws", {{"Origin", kFrontEnd}});
  ASSERT_TRUE(front.connected());
  front.send(R"({"type":"start_stream","data":{"cameraId":"ws-front","rtspUrl":"sim://?seed=4"}})");
  EXPECT_TRUE(front.wait_for(
      [](const std::string& text) { return text.find("Stream started") != std::string::npos; },
      10s));
  // So may a script with the token in the upgrade URL.
  testing::WsClient script(port(), "/ws?token=" + kToken);
  ASSERT_TRUE(script.connected());
  script.send(R"({"type":"start_stream","data":{"cameraId":"ws-script","rtspUrl":"sim://"}})");
  EXPECT_TRUE(script.wait_for(
      [](const std::string& text) { return text.find("Stream started") != std::string::npos; },
      10s));
  // An operator's DELETE removes an ephemeral camera at once, while it is
  // still watched (the grace period is for its last watcher leaving), and
  // the watchers leaving afterwards do not bring it back.
  EXPECT_EQ(remove("ws-front").status, 200);
  EXPECT_EQ(remove("ws-script").status, 200);
  for (const auto& camera : cameras()) {
    EXPECT_NE(camera["cameraId"], "ws-front");
    EXPECT_NE(camera["cameraId"], "ws-script");
  }
}

TEST_F(AttackControlTest, LocalFilesFoldersAndInternalAddressesGetOneAnswer) {
  std::set<std::string> answers;
  for (const std::string url :
       {"file:///etc/passwd", "/etc/passwd", "/etc", "/no/such/file.mp4", "file:///tmp/",
        "http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:6379/",
        "rtsp://cams.example@169.254.169.254/", "gopher://cams.example/"}) {
    SCOPED_TRACE(url);
    const auto reply = add(json{{"cameraId", "x"}, {"url", url}}.dump());
    EXPECT_EQ(reply.status, 400);
    const std::string message = json::parse(reply.body)["msg"];
    EXPECT_EQ(message.find("etc"), std::string::npos);  // the path is not echoed
    answers.insert(message);
  }
  EXPECT_EQ(answers.size(), 1u) << json(answers).dump();
  // The same over /ws, for start_stream and for check_camera.
  testing::WsClient ws(port(), "/ws?token=" + kToken);
  ASSERT_TRUE(ws.connected());
  ws.send(R"({"type":"start_stream","data":{"cameraId":"f","rtspUrl":"file:///etc/passwd"}})");
  EXPECT_TRUE(ws.wait_for(
      [&](const std::string& text) { return text.find(*answers.begin()) != std::string::npos; },
      5s));
  ws.send(R"({"type":"check_camera","data":{"cameraId":"m","rtspUrl":"http://169.254.169.254/"}})");
  EXPECT_TRUE(ws.wait_for(
      [&](const std::string& text) { return text.find(*answers.begin()) != std::string::npos; },
      5s));
  EXPECT_TRUE(cameras().empty() || cameras().size() <= static_cast<size_t>(kMaxCameras));
}

TEST_F(AttackControlTest, AThousandCameraAddsAreCapped) {
  int created = 0, capped = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto reply = add(json{
        {"cameraId", "flood-" + std::to_string(i)},
        {"url", "sim://"},
        {"frameInterval", 60}}.dump());
    if (reply.status == 201) ++created;
    if (reply.status == 429) ++capped;
  }
  const size_t present = cameras().size();
  EXPECT_LE(present, static_cast<size_t>(kMaxCameras));
  EXPECT_EQ(created + capped, 1000);
  EXPECT_GE(capped, 1000 - kMaxCameras);
  for (const auto& camera : cameras()) remove(camera["cameraId"].get<std::string>());
  EXPECT_TRUE(cameras().empty()) << cameras().dump();
}

TEST_F(AttackControlTest, FrameIntervalExtremesAreRefused) {
  for (const std::string interval : {"1e-9", "1e300", "0.01", "-1", "3601", "\"fast\""}) {
    const auto reply = add(R"({"cameraId":"fi","url":"sim://","frameInterval":)" + interval + "}");
    EXPECT_EQ(reply.status, 400) << interval << ": " << reply.body;
  }
  EXPECT_TRUE(cameras().empty());
}

TEST_F(AttackControlTest, CameraCredentialsAreMaskedInTheApi) {
  const auto added = add(
      R"({"cameraId":"masked","url":"rtsp://admin:s3cr3t-x9@cams.example:554/live?password=pw-77k&ch=1","frameInterval":60})");
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string listed = http_request("GET", port(), "/api/cameras").body;
  for (const std::string& text : {added.body, listed}) {
    EXPECT_EQ(text.find("s3cr3t-x9"), std::string::npos) << text;
    EXPECT_EQ(text.find("pw-77k"), std::string::npos) << text;
  }
  EXPECT_NE(listed.find("rtsp://***@cams.example:554/live?password=***&ch=1"), std::string::npos)
      << listed;
  EXPECT_EQ(remove("masked").status, 200);
  EXPECT_EQ(up_->process->stderr_text().find("s3cr3t-x9"), std::string::npos);
  EXPECT_EQ(up_->process->stderr_text().find("pw-77k"), std::string::npos);
}

// A configured camera is held to the same allow-list: the process refuses
// to start rather than open a local file.
TEST(AttackConfigSourceTest, AConfiguredLocalFileOutsideTheRootsStopsTheStart) {
  testing::TempDir config;
  config.write("kafka.yaml", "consumer:\n  fetch_wait_max_ms: 10\n");
  config.write("pipeline.yaml", "cameras:\n  - id: leak\n    url: file:///etc/passwd\n");
  ChildProcess up({TMON_BINARY, "up", "--config-dir", config.str(), "--api-port", "0"},
                  {{"DASHSCOPE_API_KEY", ""}, {"TMON_REDIS_URL", "redis://127.0.0.1:1/0"}});
  const auto code = up.wait(30s);
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
  EXPECT_NE(up.stderr_text().find("camera leak: source not allowed"), std::string::npos)
      << up.stderr_text();
}

// Without a configured token: one is generated, shown once on stdout as the
// dashboard URL, never in the logs; it works, and nothing works without it.
TEST(AttackGeneratedTokenTest, GeneratedTokenIsShownOnceAndRequired) {
  testing::TempDir config;
  config.write("kafka.yaml", "consumer:\n  fetch_wait_max_ms: 10\n");
  config.write("pipeline.yaml", "cameras: []\n");
  ChildProcess up({TMON_BINARY, "up", "--config-dir", config.str(), "--api-port", "0"},
                  {{"DASHSCOPE_API_KEY", ""},
                   {"TMON_REDIS_URL", "redis://127.0.0.1:1/0"},
                   {"TMON_ADMIN_TOKEN", ""}});
  const auto token = up.wait_for_stdout(
      std::regex(R"(dashboard: http://127\.0\.0\.1:\d+/\?token=([0-9a-f]+))"), 30s);
  ASSERT_TRUE(token) << up.stdout_text() << up.stderr_text();
  EXPECT_GE(token->size(), 32u);
  const auto port = up.wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 5s);
  ASSERT_TRUE(port);
  const int api = std::stoi(*port);
  const std::string body = R"({"cameraId":"g","url":"sim://","frameInterval":60})";
  EXPECT_EQ(http_request("POST", api, "/api/cameras", body).status, 401);
  EXPECT_EQ(http_request("POST", api, "/api/cameras", body, {{"Authorization", "Bearer " + *token}})
                .status,
            201);
  const auto login = http_request("POST", api, "/api/login", json{{"token", *token}}.dump());
  EXPECT_EQ(login.status, 200);
  up.signal(SIGTERM);
  EXPECT_EQ(up.wait(30s), 0);
  EXPECT_EQ(up.stderr_text().find(*token), std::string::npos);
  const std::string out = up.stdout_text();
  EXPECT_EQ(out.find(*token), out.rfind(*token));  // once
}

}  // namespace
}  // namespace tmon
