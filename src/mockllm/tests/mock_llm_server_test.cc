#include "mockllm/mock_llm_server.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "llm/openai_client.h"
#include "llm/prompt.h"
#include "llm/response_parser.h"

namespace tmon::mockllm {
namespace {
namespace asio = boost::asio;

class MockLlmServerTest : public ::testing::Test {
 protected:
  void start(MockLlmOptions options) {
    options.latency_median_ms = 5;
    auto server = MockLlmServer::start(std::move(options));
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    client_ = std::make_unique<llm::OpenAiCompatibleClient>(*http::Url::parse(server_->base_url()),
                                                            http_, SystemClock::instance());
  }

  llm::CallResult call(const std::string& key) {
    messages::AssessmentTask task;
    task.cameraId = "cam-1";
    task.imageBase64 = "SU1H";
    const auto request = llm::build_chat_request(task, {});
    auto future =
        asio::co_spawn(io_, client_->complete(request, key, Millis(5000)), asio::use_future);
    io_.restart();
    io_.run();
    return future.get();
  }

  std::unique_ptr<MockLlmServer> server_;
  asio::io_context io_;
  http::Client http_;
  std::unique_ptr<llm::OpenAiCompatibleClient> client_;
};

TEST_F(MockLlmServerTest, AnswersAChatCompletionWithAnAssessment) {
  start({});
  auto reply = call("sk-any-key-will-do-123");
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_NE(reply->content.find("maxRiskLevel"), std::string::npos);
  EXPECT_GT(reply->usage.total_tokens, 0);
}

TEST_F(MockLlmServerTest, UnknownKeyIs401WithDashScopeCode) {
  MockLlmOptions options;
  options.keys["sk-known-key-0001"] = {"k1", "acct-a", {}, false};
  start(options);
  auto reply = call("sk-wrong-key-00000");
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().kind, llm::CallErrorKind::kAuthFailed);
  EXPECT_EQ(reply.error().provider_code, "invalid_api_key");
  EXPECT_TRUE(call("sk-known-key-0001"));
}

TEST_F(MockLlmServerTest, StatsCountPerKeyAndAccountWithoutSecrets) {
  MockLlmOptions options;
  options.keys["sk-known-key-0001"] = {"k1", "acct-a", {}, false};
  start(options);
  ASSERT_TRUE(call("sk-known-key-0001"));
  ASSERT_TRUE(call("sk-known-key-0001"));
  ASSERT_FALSE(call("sk-wrong-key-00000"));
  const std::string stats = server_->stats_json();
  EXPECT_EQ(stats.find("sk-"), std::string::npos);
  const auto json = nlohmann::json::parse(stats);
  EXPECT_EQ(json["keys"]["k1"]["requests"], 2);
  EXPECT_EQ(json["keys"]["k1"]["ok"], 2);
  EXPECT_EQ(json["accounts"]["acct-a"]["ok"], 2);
  EXPECT_EQ(json["keys"]["(unknown)"]["unauthorized"], 1);
}

TEST_F(MockLlmServerTest, OverTheAccountLimitIsDashScopes429WithRetryAfter) {
  MockLlmOptions options;
  options.keys["sk-key-one-000001"] = {"k1", "acct", {}};
  options.keys["sk-key-two-000002"] = {"k2", "acct", {}};
  options.accounts["acct"] = {{3, 100}, false};
  options.retry_after_seconds = 2;
  start(options);
  int ok = 0;
  std::vector<llm::CallError> errors;
  for (int i = 0; i < 8; ++i) {
    auto reply = call(i % 2 ? "sk-key-one-000001" : "sk-key-two-000002");
    if (reply) {
      ++ok;
    } else {
      errors.push_back(reply.error());
    }
  }
  // The account's 3 per second are shared by both keys.
  EXPECT_EQ(ok, 3);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].kind, llm::CallErrorKind::kRateLimited);
  EXPECT_EQ(errors[0].provider_code, "limit_requests");
  EXPECT_EQ(errors[0].message, "Requests rate limit exceeded, please try again later.");
  EXPECT_EQ(errors[0].retry_after, std::chrono::milliseconds(2000));
  const auto stats = nlohmann::json::parse(server_->stats_json());
  EXPECT_EQ(stats["accounts"]["acct"]["maxPerSecond"], 3);
  EXPECT_EQ(stats["accounts"]["acct"]["rateLimited"], 5);
  EXPECT_EQ(stats["limits"]["acct"]["perSecond"], 3);
  // Each refusal says which window refused it, when, and how big it was.
  ASSERT_EQ(stats["refusals"].size(), 5u);
  const auto& refusal = stats["refusals"][0];
  EXPECT_EQ(refusal["window"], "account_second");
  EXPECT_EQ(refusal["account"], "acct");
  EXPECT_EQ(refusal["inWindow"], 3);
  EXPECT_GT(refusal["bodyBytes"].get<int64_t>(), 0);
  EXPECT_GT(refusal["judgedEpochMs"].get<int64_t>(), 0);
  EXPECT_EQ(stats.dump().find("sk-key"), std::string::npos);  // keys by name only
}

TEST_F(MockLlmServerTest, PerKeyLimitsApplyOnTopOfTheAccount) {
  MockLlmOptions options;
  options.keys["sk-key-one-000001"] = {"k1", "acct", {1, 0}};
  start(options);
  EXPECT_TRUE(call("sk-key-one-000001"));
  auto second = call("sk-key-one-000001");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, llm::CallErrorKind::kRateLimited);
}

TEST_F(MockLlmServerTest, RevokedKeyAndExhaustedAccountAreRefused) {
  MockLlmOptions options;
  options.keys["sk-revoked-000001"] = {"old", "acct", {}, true};
  options.keys["sk-broke-00000001"] = {"poor", "broke", {}};
  options.accounts["broke"] = {{}, true};
  start(options);
  auto revoked = call("sk-revoked-000001");
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().kind, llm::CallErrorKind::kAuthFailed);
  auto broke = call("sk-broke-00000001");
  ASSERT_FALSE(broke);
  EXPECT_EQ(broke.error().kind, llm::CallErrorKind::kQuotaExhausted);
  EXPECT_EQ(broke.error().provider_code, "Arrearage");
}

TEST_F(MockLlmServerTest, InjectedServerErrorsAndMalformedContent) {
  MockLlmOptions options;
  options.faults.server_error = 1.0;
  start(options);
  auto failed = call("sk-any-key-000000001");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, llm::CallErrorKind::kServerError);
  EXPECT_EQ(nlohmann::json::parse(server_->stats_json())["accounts"]["default"]["serverErrors"], 1);
}

TEST_F(MockLlmServerTest, ShapedContentStillParsesUnlessMalformed) {
  for (const auto& [shape, parses] :
       {std::pair{&FaultRates::fenced, true}, std::pair{&FaultRates::prose, true},
        std::pair{&FaultRates::malformed, false}}) {
    MockLlmOptions options;
    options.faults.*shape = 1.0;
    start(options);
    auto reply = call("sk-any-key-000000001");
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(static_cast<bool>(llm::parse_risk_assessment(reply->content, 0)), parses)
        << reply->content;
  }
}

TEST_F(MockLlmServerTest, HangOutlastsTheClientTimeout) {
  MockLlmOptions options;
  options.faults.hang = 1.0;
  options.hang_for = std::chrono::milliseconds(3000);
  start(options);
  messages::AssessmentTask task;
  task.cameraId = "cam-1";
  task.imageBase64 = "SU1H";
  auto future = asio::co_spawn(
      io_,
      client_->complete(llm::build_chat_request(task, {}), "sk-any-key-000000001", Millis(300)),
      asio::use_future);
  io_.restart();
  io_.run();
  auto reply = future.get();
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().kind, llm::CallErrorKind::kTimeout) << reply.error().message;
}

}  // namespace
}  // namespace tmon::mockllm
