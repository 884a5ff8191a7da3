#include "api/api_server.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "store/memory_result_store.h"

namespace tmon::api {
namespace {

class ApiRouterTest : public ::testing::Test {
 protected:
  ApiRouterTest()
      : store_(std::make_shared<store::MemoryResultStore>(store::StoreOptions{}, clock_)) {}

  http::Response get(const std::string& target) {
    auto router = make_api_router(store_, health_, clock_);
    boost::asio::io_context io;
    http::Request request{http::Verb::get, target, 11};
    auto future = boost::asio::co_spawn(io, router->dispatch(request), boost::asio::use_future);
    io.run();
    return future.get();
  }

  ManualClock clock_;
  std::shared_ptr<store::MemoryResultStore> store_;
  HealthProbe health_ = [] { return std::vector<ComponentHealth>{{"store", "ok", "memory"}}; };
};

TEST_F(ApiRouterTest, HealthCheckKeepsTheOriginalEnvelope) {
  const auto response = get("/api/health/health_check");
  ASSERT_EQ(response.result(), http::Status::ok);
  const auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["code"], 200);
  EXPECT_EQ(body["msg"], "OK");
  EXPECT_EQ(body["data"]["status"], "ok");
  EXPECT_EQ(body["data"]["service"], "tmon");
  EXPECT_TRUE(body["data"]["version"].is_string());
  EXPECT_EQ(body["data"]["timestamp"], clock_.epoch_ms());
  EXPECT_EQ(body["data"]["components"]["store"]["status"], "ok");
}

TEST_F(ApiRouterTest, DegradedComponentDegradesTheService) {
  health_ = [] { return std::vector<ComponentHealth>{{"store", "degraded", "in-process"}}; };
  const auto body = nlohmann::json::parse(get("/api/health/health_check").body());
  EXPECT_EQ(body["data"]["status"], "degraded");
}

TEST_F(ApiRouterTest, HealthCheckCarriesMachineReadableFields) {
  health_ = [] {
    return std::vector<ComponentHealth>{{"kafka",
                                         "ok",
                                         "embedded in-memory broker at 127.0.0.1:4000",
                                         {{"bootstrapServers", "127.0.0.1:4000"}}}};
  };
  const auto body = nlohmann::json::parse(get("/api/health/health_check").body());
  const auto& kafka = body["data"]["components"]["kafka"];
  EXPECT_EQ(kafka["status"], "ok");
  EXPECT_EQ(kafka["detail"], "embedded in-memory broker at 127.0.0.1:4000");
  EXPECT_EQ(kafka["bootstrapServers"], "127.0.0.1:4000");
}

TEST_F(ApiRouterTest, LatestReturnsTheStoredView) {
  ASSERT_TRUE(store_->publish_frame({.camera_id = "cam-01",
                                     .request_id = "req-1",
                                     .capture_ts = 5,
                                     .view_json = R"({"captureTs":5,"status":"ok"})",
                                     .alerts = {},
                                     .ended_alert_groups = {}}));
  const auto response = get("/api/cameras/cam-01/latest");
  ASSERT_EQ(response.result(), http::Status::ok);
  const auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["data"]["captureTs"], 5);
  EXPECT_EQ(body["data"]["status"], "ok");
}

TEST_F(ApiRouterTest, UnknownCameraIs404WithAMessage) {
  const auto response = get("/api/cameras/nope/latest");
  EXPECT_EQ(response.result(), http::Status::not_found);
  const auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["code"], 404);
  EXPECT_NE(body["msg"].get<std::string>().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace tmon::api

namespace tmon::api {
namespace {

using nlohmann::json;

// A store whose lists the test sets, recording what the API asked for.
class FakeStore final : public store::ResultStore {
 public:
  Result<store::ResultApplied> apply(const store::ResultWrite&) override {
    return store::ResultApplied{};
  }
  Result<std::vector<std::string>> frame_results(const std::string&) override {
    return std::vector<std::string>{};
  }
  Result<std::map<std::string, std::string>> active_alerts(const std::string&) override {
    return std::map<std::string, std::string>{};
  }
  Result<bool> publish_frame(const store::FrameWrite&) override { return true; }
  Result<std::optional<std::string>> latest(const std::string&) override {
    if (down) return make_error(ErrorCode::kUnavailable, "redis 127.0.0.1:1/0: refused");
    return std::optional<std::string>{};
  }
  Result<std::optional<std::string>> result(const std::string&) override {
    return std::optional<std::string>{};
  }
  Result<std::vector<std::string>> history(const std::string& camera_id, int64_t since_ts,
                                           int limit) override {
    asked_camera = camera_id;
    asked_since = since_ts;
    asked_limit = limit;
    if (down) return make_error(ErrorCode::kUnavailable, "redis 127.0.0.1:1/0: refused");
    return views;
  }
  Result<std::vector<std::string>> alerts(const std::string& camera_id, int limit) override {
    asked_camera = camera_id;
    asked_limit = limit;
    if (down) return make_error(ErrorCode::kUnavailable, "redis 127.0.0.1:1/0: refused");
    return alert_list;
  }
  std::string describe() const override { return "fake"; }

  bool down = false;
  std::vector<std::string> views;
  std::vector<std::string> alert_list;
  std::string asked_camera;
  int64_t asked_since = -1;
  int asked_limit = -1;
};

class ListEndpointsTest : public ::testing::Test {
 protected:
  http::Response get(const std::string& target) {
    auto router = make_api_router(store_, {}, clock_);
    boost::asio::io_context io;
    http::Request request{http::Verb::get, target, 11};
    auto future = boost::asio::co_spawn(io, router->dispatch(request), boost::asio::use_future);
    io.run();
    return future.get();
  }
  static std::string alert(const std::string& camera, const std::string& group,
                           const std::string& level) {
    return json{{"cameraId", camera}, {"groupId", group}, {"riskLevel", level}}.dump();
  }

  ManualClock clock_;
  std::shared_ptr<FakeStore> store_ = std::make_shared<FakeStore>();
};

TEST_F(ListEndpointsTest, HistoryPassesSinceAndLimitAndReturnsViews) {
  store_->views = {R"({"captureTs":30})", R"({"captureTs":20})"};
  const auto response = get("/api/cameras/cam-1/history?since=15&limit=2");
  ASSERT_EQ(response.result(), http::Status::ok) << response.body();
  const auto body = json::parse(response.body());
  EXPECT_EQ(body["code"], 200);
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["data"][0]["captureTs"], 30);
  EXPECT_EQ(store_->asked_camera, "cam-1");
  EXPECT_EQ(store_->asked_since, 15);
  EXPECT_EQ(store_->asked_limit, 2);
}

TEST_F(ListEndpointsTest, HistoryDefaultsAreSinceZeroAndFiftyViews) {
  ASSERT_EQ(get("/api/cameras/cam-1/history").result(), http::Status::ok);
  EXPECT_EQ(store_->asked_since, 0);
  EXPECT_EQ(store_->asked_limit, kDefaultListLimit);
  ASSERT_EQ(get("/api/cameras/cam-1/history?limit=1000").result(), http::Status::ok);
  EXPECT_EQ(store_->asked_limit, 1000);
}

TEST_F(ListEndpointsTest, BadSinceOrLimitIs400WithAReason) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/api/cameras/c/history?since=yesterday", "since"},
      {"/api/cameras/c/history?since=-5", "since"},
      {"/api/cameras/c/history?since=12abc", "since"},
      {"/api/cameras/c/history?limit=0", "limit"},
      {"/api/cameras/c/history?limit=1001", "limit"},
      {"/api/cameras/c/history?limit=ten", "limit"},
      {"/api/alerts?limit=-1", "limit"},
      {"/api/alerts?level=severe", "level"},
      {"/api/alerts?level=HIGHEST", "level"},
  };
  for (const auto& [target, reason] : cases) {
    const auto response = get(target);
    EXPECT_EQ(response.result(), http::Status::bad_request) << target;
    const auto body = json::parse(response.body());
    EXPECT_EQ(body["code"], 400) << target;
    EXPECT_EQ(body["msg"].get<std::string>().rfind(reason + ":", 0), 0u)
        << target << " -> " << body["msg"];
  }
}

TEST_F(ListEndpointsTest, AlertsOfOneCameraOrAll) {
  store_->alert_list = {alert("a", "g1", "high"), alert("b", "g2", "low")};
  auto body = json::parse(get("/api/alerts").body());
  EXPECT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(store_->asked_camera, "");
  EXPECT_EQ(store_->asked_limit, kDefaultListLimit);
  body = json::parse(get("/api/alerts?cameraId=a&limit=7").body());
  EXPECT_EQ(store_->asked_camera, "a");
  EXPECT_EQ(store_->asked_limit, 7);
}

TEST_F(ListEndpointsTest, LevelIsAMinimumAndLimitAppliesAfterFiltering) {
  store_->alert_list = {alert("a", "g1", "low"),    alert("a", "g2", "critical"),
                        alert("a", "g3", "medium"), alert("a", "g4", "high"),
                        alert("a", "g5", "high"),   R"({"cameraId":"a","groupId":"g6"})"};
  const auto body = json::parse(get("/api/alerts?level=high&limit=2").body());
  ASSERT_EQ(body["data"].size(), 2u) << body.dump();
  EXPECT_EQ(body["data"][0]["groupId"], "g2");
  EXPECT_EQ(body["data"][1]["groupId"], "g4");
  // Filtering needs more than the newest two to find two matches.
  EXPECT_EQ(store_->asked_limit, kMaxListLimit);

  const auto medium = json::parse(get("/api/alerts?level=medium").body());
  EXPECT_EQ(medium["data"].size(), 4u);
}

TEST_F(ListEndpointsTest, UnavailableStoreIs503) {
  store_->down = true;
  for (const char* target : {"/api/cameras/c/history", "/api/alerts", "/api/cameras/c/latest"}) {
    const auto response = get(target);
    EXPECT_EQ(response.result(), http::Status::service_unavailable) << target;
    EXPECT_NE(response.body().find("store unavailable"), std::string::npos) << target;
  }
}

TEST_F(ListEndpointsTest, WithoutAFeedThereIsNoStream) {
  EXPECT_EQ(get("/api/stream").result(), http::Status::not_found);
}

}  // namespace
}  // namespace tmon::api
