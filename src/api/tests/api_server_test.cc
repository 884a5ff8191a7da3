// The API's routes, called without a socket, on the in-process store.
#include "api/api_server.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "api/tests/test_views.h"
#include "store/memory_result_store.h"

namespace tmon::api {
namespace {

using nlohmann::json;

class ApiRouterTest : public ::testing::Test {
 protected:
  ApiRouterTest()
      : store_(std::make_shared<store::MemoryResultStore>(store::StoreOptions{}, clock_)) {}

  http::Response call(http::Request request) {
    ApiOptions options;
    options.health = health_;
    options.environment = {{"platform", "test"}, {"frame_interval", 1.8}};
    options.cors_origins = cors_origins_;
    auto router = make_api_router(store_, clock_, options);
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, router->dispatch(request), boost::asio::use_future);
    io.run();
    return future.get();
  }
  http::Response get(const std::string& target) {
    return call(http::Request{http::Verb::get, target, 11});
  }
  json body_of(const std::string& target) { return json::parse(get(target).body()); }

  void publish(const std::string& camera, int64_t capture_ts,
               std::vector<store::AlertWrite> alerts = {}) {
    const auto view = views::view(camera, capture_ts);
    store::FrameWrite write;
    write.camera_id = camera;
    write.request_id = view.requestId;
    write.capture_ts = capture_ts;
    write.view_json = messages::encode(view);
    write.history_json = messages::encode(view, messages::ViewImages::kOmit);
    write.alerts = std::move(alerts);
    ASSERT_TRUE(*store_->publish_frame(write));
  }
  static store::AlertWrite alert(const std::string& camera, const std::string& group,
                                 messages::RiskLevel level) {
    messages::Alert alert;
    alert.cameraId = camera;
    alert.groupId = group;
    alert.riskLevel = level;
    return {group, messages::encode(alert, 0), ""};
  }

  ManualClock clock_{1'795'843'270'450};
  std::shared_ptr<store::MemoryResultStore> store_;
  HealthProbe health_ = [] {
    return std::vector<ComponentHealth>{{"store", HealthStatus::kOk, "memory"}};
  };
  std::vector<std::string> cors_origins_ = {"http://front.example"};
};

TEST_F(ApiRouterTest, HealthCheckKeepsTheOriginalEnvelope) {
  const auto response = get("/api/health/health_check");
  ASSERT_EQ(response.result(), http::Status::ok);
  const auto body = json::parse(response.body());
  EXPECT_EQ(body["code"], 200);
  EXPECT_EQ(body["msg"], "OK");
  const json& data = body["data"];
  EXPECT_EQ(data["status"], "ok");
  EXPECT_EQ(data["service"], "tmon");
  EXPECT_TRUE(data["version"].is_string());
  EXPECT_EQ(data["timestamp"], "2026-11-28T05:21:10.450Z");  // ISO, as the original
  EXPECT_EQ(data["environment"]["platform"], "test");
  EXPECT_EQ(data["environment"]["frame_interval"], 1.8);
  EXPECT_EQ(data["components"]["store"]["status"], "ok");
}

TEST_F(ApiRouterTest, FlatHealthCheckForTheFrontEnd) {
  const auto response = get("/health/health_check");
  ASSERT_EQ(response.result(), http::Status::ok);
  const auto body = json::parse(response.body());
  EXPECT_EQ(body, (json{{"status", "ok"}, {"service", "tmon"}, {"version", body["version"]}}));
  EXPECT_TRUE(body["version"].is_string());
}

TEST_F(ApiRouterTest, TheWorstComponentSetsTheServiceStatus) {
  health_ = [] {
    return std::vector<ComponentHealth>{{"store", HealthStatus::kDegraded, "in-process"},
                                        {"kafka", HealthStatus::kOk, ""}};
  };
  EXPECT_EQ(body_of("/api/health/health_check")["data"]["status"], "degraded");
  EXPECT_EQ(body_of("/health/health_check")["status"], "degraded");
  health_ = [] {
    return std::vector<ComponentHealth>{{"store", HealthStatus::kDegraded, ""},
                                        {"scheduler", HealthStatus::kDown, ""}};
  };
  EXPECT_EQ(body_of("/api/health/health_check")["data"]["status"], "down");
}

TEST_F(ApiRouterTest, HealthCheckCarriesMachineReadableFields) {
  health_ = [] {
    return std::vector<ComponentHealth>{{"kafka",
                                         HealthStatus::kOk,
                                         "embedded in-memory broker at 127.0.0.1:4000",
                                         {{"bootstrapServers", "127.0.0.1:4000"}}}};
  };
  const auto body = body_of("/api/health/health_check");
  const auto& kafka = body["data"]["components"]["kafka"];
  EXPECT_EQ(kafka["status"], "ok");
  EXPECT_EQ(kafka["detail"], "embedded in-memory broker at 127.0.0.1:4000");
  EXPECT_EQ(kafka["bootstrapServers"], "127.0.0.1:4000");
}

TEST_F(ApiRouterTest, LatestIsTheStoredViewAsItWasStored) {
  publish("cam-01", 5'000);
  const auto response = get("/api/cameras/cam-01/latest");
  ASSERT_EQ(response.result(), http::Status::ok);
  const auto body = json::parse(response.body());
  EXPECT_EQ(body["code"], 200);
  EXPECT_EQ(body["data"], json::parse(messages::encode(views::view("cam-01", 5'000))));
}

TEST_F(ApiRouterTest, UnknownCameraIs404WithAMessage) {
  const auto response = get("/api/cameras/nope/latest");
  EXPECT_EQ(response.result(), http::Status::not_found);
  const auto body = json::parse(response.body());
  EXPECT_EQ(body["code"], 404);
  EXPECT_NE(body["msg"].get<std::string>().find("nope"), std::string::npos);
}

TEST_F(ApiRouterTest, HistoryIsNewestFirstFromSinceUpToLimitWithoutCrops) {
  for (int64_t ts : {10, 20, 30, 40}) publish("cam-1", ts);
  const auto body = body_of("/api/cameras/cam-1/history?since=15&limit=2");
  EXPECT_EQ(body["code"], 200);
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["data"][0]["captureTs"], 40);
  EXPECT_EQ(body["data"][1]["captureTs"], 30);
  EXPECT_FALSE(body["data"][0]["groupImages"][0].contains("imageBase64"));
  EXPECT_EQ(body_of("/api/cameras/cam-1/history")["data"].size(), 4u);  // since 0, limit 50
  EXPECT_EQ(body_of("/api/cameras/cam-1/history?since=41")["data"], json::array());
}

TEST_F(ApiRouterTest, BadSinceOrLimitIs400WithAReason) {
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

TEST_F(ApiRouterTest, AlertsOfOneCameraOrAllNewestFirst) {
  publish("a", 1, {alert("a", "g1", messages::RiskLevel::kHigh)});
  publish("b", 2, {alert("b", "g2", messages::RiskLevel::kLow)});
  const auto all = body_of("/api/alerts")["data"];
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["groupId"], "g2");
  const auto one = body_of("/api/alerts?cameraId=a")["data"];
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]["cameraId"], "a");
  EXPECT_EQ(body_of("/api/alerts?limit=1")["data"].size(), 1u);
}

TEST_F(ApiRouterTest, LevelIsAMinimumAndLimitAppliesAfterFiltering) {
  using messages::RiskLevel;
  int64_t ts = 0;
  for (const auto& [group, level] :
       std::vector<std::pair<std::string, RiskLevel>>{{"g1", RiskLevel::kHigh},
                                                      {"g2", RiskLevel::kHigh},
                                                      {"g3", RiskLevel::kMedium},
                                                      {"g4", RiskLevel::kCritical},
                                                      {"g5", RiskLevel::kLow}}) {
    publish("a", ++ts, {alert("a", group, level)});
  }
  // Newest first: g5 low, g4 critical, g3 medium, g2 high, g1 high.
  const auto body = body_of("/api/alerts?level=high&limit=2")["data"];
  ASSERT_EQ(body.size(), 2u) << body.dump();
  EXPECT_EQ(body[0]["groupId"], "g4");
  EXPECT_EQ(body[1]["groupId"], "g2");
  EXPECT_EQ(body_of("/api/alerts?level=medium")["data"].size(), 4u);
}

TEST_F(ApiRouterTest, CrossOriginReadersAreAnsweredOnApiAndHealthPaths) {
  http::Request preflight{http::Verb::options, "/api/cameras/cam-1/latest", 11};
  preflight.set(http::beast_http::field::origin, "http://front.example");
  preflight.set(http::beast_http::field::access_control_request_method, "GET");
  const auto answer = call(preflight);
  EXPECT_EQ(answer.result(), http::Status::no_content);
  EXPECT_EQ(answer[http::beast_http::field::access_control_allow_origin], "http://front.example");
  EXPECT_NE(answer[http::beast_http::field::access_control_allow_methods].find("GET"),
            std::string::npos);

  for (const char* target : {"/health/health_check", "/api/health/health_check"}) {
    http::Request request{http::Verb::get, target, 11};
    request.set(http::beast_http::field::origin, "http://front.example");
    EXPECT_EQ(call(request)[http::beast_http::field::access_control_allow_origin],
              "http://front.example")
        << target;
    request.set(http::beast_http::field::origin, "http://elsewhere.example");
    EXPECT_EQ(call(request).count(http::beast_http::field::access_control_allow_origin), 0u)
        << target;
  }
  cors_origins_ = {"*"};
  http::Request any{http::Verb::get, "/api/alerts", 11};
  any.set(http::beast_http::field::origin, "http://anywhere.example");
  EXPECT_EQ(call(any)[http::beast_http::field::access_control_allow_origin], "*");
}

TEST_F(ApiRouterTest, CrossOriginPagesMayReadTheLiveStream) {
  LiveFeed feed(clock_);
  ApiOptions options;
  options.live = LiveOptions{&feed};
  options.cors_origins = cors_origins_;
  auto router = make_api_router(store_, clock_, options);
  http::Request request{http::Verb::get, "/api/stream?cameraId=cam-1", 11};
  request.set(http::beast_http::field::origin, "http://front.example");
  auto opened = router->open_stream(request);
  ASSERT_TRUE(opened);
  const auto* start = std::get_if<http::StreamStart>(&*opened);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->headers, (std::vector<std::pair<std::string, std::string>>{
                                {"Access-Control-Allow-Origin", "http://front.example"}}));
}

TEST_F(ApiRouterTest, WithoutAFeedThereIsNoStream) {
  EXPECT_EQ(get("/api/stream").result(), http::Status::not_found);
}

}  // namespace
}  // namespace tmon::api
