#include "mockllm/mock_llm_server.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "llm/openai_client.h"
#include "llm/prompt.h"

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
  options.keys["sk-known-key-0001"] = {"k1", "acct-a"};
  start(options);
  auto reply = call("sk-wrong-key-00000");
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().kind, llm::CallErrorKind::kAuthFailed);
  EXPECT_EQ(reply.error().provider_code, "invalid_api_key");
  EXPECT_TRUE(call("sk-known-key-0001"));
}

TEST_F(MockLlmServerTest, StatsCountPerKeyAndAccountWithoutSecrets) {
  MockLlmOptions options;
  options.keys["sk-known-key-0001"] = {"k1", "acct-a"};
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

}  // namespace
}  // namespace tmon::mockllm
