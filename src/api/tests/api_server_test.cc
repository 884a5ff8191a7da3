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

TEST_F(ApiRouterTest, LatestReturnsTheStoredView) {
  ASSERT_TRUE(store_->apply({"t1", "cam-01", 5, "{}", R"({"captureTs":5,"status":"ok"})"}));
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
