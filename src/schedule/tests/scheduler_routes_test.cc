#include "schedule/scheduler_routes.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "http/io_threads.h"

namespace tmon::schedule {
namespace {

class NeverCalledLlm final : public llm::LlmClient {
 public:
  boost::asio::awaitable<llm::CallResult> complete(llm::ChatRequest, std::string, Millis) override {
    co_return tl::unexpected(llm::CallError{llm::CallErrorKind::kConnection, 0, {}, "", "no"});
  }
};

class SchedulerRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = {make_key("k1", "sk-aaaaaaaaaaaaaaaa1111"), make_key("k2", "sk-bbbbbbbbbbbbbbbb2222")};
    auto scheduler = Scheduler::create(SchedulerSections{}, "test-1", keys_, io_.context(), llm_,
                                       SystemClock::instance());
    ASSERT_TRUE(scheduler) << scheduler.error().message;
    scheduler_ = std::move(*scheduler);
    add_scheduler_routes(router_, *scheduler_, "admin-token");
  }

  static config::ApiKeyConfig make_key(std::string id, std::string secret) {
    config::ApiKeyConfig key;
    key.id = std::move(id);
    key.key = std::move(secret);
    return key;
  }

  http::Response send(http::Verb method, const std::string& target, const std::string& token = "",
                      const std::string& body = "") {
    boost::asio::io_context io;
    http::Request request{method, target, 11};
    if (!token.empty()) request.set(http::beast_http::field::authorization, "Bearer " + token);
    request.body() = body;
    auto future = boost::asio::co_spawn(io, router_.dispatch(request), boost::asio::use_future);
    io.run();
    return future.get();
  }

  nlohmann::json data_of(const http::Response& response) {
    return nlohmann::json::parse(response.body())["data"];
  }

  http::IoThreads io_;
  std::vector<config::ApiKeyConfig> keys_;
  NeverCalledLlm llm_;
  std::unique_ptr<Scheduler> scheduler_;
  http::Router router_;
};

TEST_F(SchedulerRoutesTest, StatsHaveTheQuickStartShapeAndNoSecrets) {
  const auto response = send(http::Verb::get, "/api/scheduler/stats");
  ASSERT_EQ(response.result(), http::Status::ok);
  EXPECT_EQ(response.body().find("sk-aaaa"), std::string::npos);
  const auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["code"], 200);
  const auto& data = body["data"];
  for (const char* field : {"total_keys", "available_keys", "in_use_keys", "cooling_keys",
                            "disabled_keys", "total_calls", "success_rate", "in_flight",
                            "queue_depth", "rate_limited", "limiter", "keys"}) {
    EXPECT_TRUE(data.contains(field)) << field;
  }
  EXPECT_EQ(data["total_keys"], 2);
  EXPECT_EQ(data["available_keys"], 2);
  const auto& key = data["keys"][0];
  EXPECT_EQ(key["key_id"], "k1");
  EXPECT_EQ(key["key"], "***1111");
  EXPECT_EQ(key["status"], "available");
  for (const char* field :
       {"total_calls", "success_rate", "cooldown_remaining_ms", "permits_left", "in_flight"}) {
    EXPECT_TRUE(key.contains(field)) << field;
  }
}

TEST_F(SchedulerRoutesTest, AdminEndpointsNeedTheBearerToken) {
  EXPECT_EQ(send(http::Verb::post, "/api/scheduler/keys/k1/disable").result(),
            http::Status::unauthorized);
  EXPECT_EQ(send(http::Verb::post, "/api/scheduler/keys/k1/disable", "wrong").result(),
            http::Status::unauthorized);
  EXPECT_EQ(send(http::Verb::post, "/api/scheduler/keys/k1/disable", "admin-token",
                 R"({"reason":"rotating"})")
                .result(),
            http::Status::ok);
  auto stats = data_of(send(http::Verb::get, "/api/scheduler/stats"));
  EXPECT_EQ(stats["disabled_keys"], 1);
  EXPECT_EQ(stats["keys"][0]["disabled_reason"], "operator: rotating");
  EXPECT_EQ(send(http::Verb::post, "/api/scheduler/keys/k1/enable", "admin-token").result(),
            http::Status::ok);
  EXPECT_EQ(data_of(send(http::Verb::get, "/api/scheduler/stats"))["disabled_keys"], 0);
  EXPECT_EQ(send(http::Verb::post, "/api/scheduler/keys/nope/enable", "admin-token").result(),
            http::Status::not_found);
  EXPECT_EQ(send(http::Verb::post, "/api/scheduler/keys/k1/disable", "admin-token", "[1]").result(),
            http::Status::bad_request);
}

TEST_F(SchedulerRoutesTest, HealthTurnsUnhealthyWhenEveryKeyIsDisabled) {
  EXPECT_EQ(data_of(send(http::Verb::get, "/api/scheduler/health"))["status"], "healthy");
  scheduler_->keys().disable("k1", "test");
  const auto degraded = data_of(send(http::Verb::get, "/api/scheduler/health"));
  EXPECT_EQ(degraded["status"], "degraded");
  EXPECT_EQ(degraded["reasons"][0], "1 of 2 keys disabled");
  scheduler_->keys().disable("k2", "test");
  const auto response = send(http::Verb::get, "/api/scheduler/health");
  EXPECT_EQ(response.result(), http::Status::service_unavailable);
  EXPECT_EQ(data_of(response)["status"], "unhealthy");
}

TEST(BearerMatchesTest, ComparesTheWholeToken) {
  http::Request request{http::Verb::post, "/", 11};
  request.set(http::beast_http::field::authorization, "Bearer secret");
  EXPECT_TRUE(bearer_matches(request, "secret"));
  EXPECT_FALSE(bearer_matches(request, "secret2"));
  EXPECT_FALSE(bearer_matches(request, "secre"));
  request.set(http::beast_http::field::authorization, "Basic secret");
  EXPECT_FALSE(bearer_matches(request, "secret"));
}

TEST(AdminDisabledTest, WithoutATokenAdminEndpointsAreForbidden) {
  http::IoThreads io;
  NeverCalledLlm llm;
  config::ApiKeyConfig key;
  key.id = "k1";
  key.key = "sk-x";
  auto scheduler = Scheduler::create(SchedulerSections{}, "t", {key}, io.context(), llm,
                                     SystemClock::instance());
  ASSERT_TRUE(scheduler);
  http::Router router;
  add_scheduler_routes(router, **scheduler, "");
  boost::asio::io_context ctx;
  http::Request request{http::Verb::post, "/api/scheduler/keys/k1/enable", 11};
  request.set(http::beast_http::field::authorization, "Bearer ");
  auto future = boost::asio::co_spawn(ctx, router.dispatch(request), boost::asio::use_future);
  ctx.run();
  EXPECT_EQ(future.get().result(), http::Status::forbidden);
}

TEST(SchedulerElsewhereTest, AProcessWithoutASchedulerSaysWhereItIs) {
  http::Router router;
  add_scheduler_elsewhere_routes(router);
  for (const auto& [verb, target] : std::vector<std::pair<http::Verb, std::string>>{
           {http::Verb::get, "/api/scheduler/stats"},
           {http::Verb::get, "/api/scheduler/health"},
           {http::Verb::post, "/api/scheduler/keys/k1/enable"},
           {http::Verb::post, "/api/scheduler/keys/k1/disable"}}) {
    SCOPED_TRACE(target);
    boost::asio::io_context io;
    const http::Request request{verb, target, 11};  // outlives the coroutine reading it
    auto future = boost::asio::co_spawn(io, router.dispatch(request), boost::asio::use_future);
    io.run();
    const auto response = future.get();
    EXPECT_EQ(response.result(), http::Status::not_found);
    const auto body = nlohmann::json::parse(response.body());
    EXPECT_EQ(body["error"], "no_scheduler") << response.body();
    EXPECT_NE(body["msg"].get<std::string>().find("tmon schedule"), std::string::npos);
  }
}

}  // namespace
}  // namespace tmon::schedule
