// tmon mock-llm as the provider of issue 15: tokens counted by the same rule
// as tmon's estimate, TPM, DashScope's burst and temporary-quota answers,
// revocation at run time and the arrival jitter. Time is a ManualClock: with
// no latency configured, calls answer without the clock moving.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "eventually.h"
#include "http/blocking_client.h"
#include "http/io_threads.h"
#include "llm/openai_client.h"
#include "llm/prompt.h"
#include "llm/tests/fake_images.h"
#include "llm/token_estimate.h"
#include "mockllm/mock_llm_server.h"

namespace tmon::mockllm {
namespace {
namespace asio = boost::asio;
using std::chrono::milliseconds;

constexpr const char* kKey = "sk-known-key-0001";

class MockProviderTest : public ::testing::Test {
 protected:
  void start(MockLlmOptions options) {
    options.latency_median_ms = 0;
    options.latency_sigma = 0;
    options.clock = &clock_;
    if (options.keys.empty()) options.keys[kKey] = {"k1", "acct", {}, false};
    auto server = MockLlmServer::start(std::move(options));
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    client_ = std::make_unique<llm::OpenAiCompatibleClient>(*http::Url::parse(server_->base_url()),
                                                            http_, clock_);
  }

  llm::ChatRequest request_with_image(int width, int height) {
    messages::AssessmentTask task;
    task.cameraId = "cam-1";
    task.groupIndex = 1;
    task.imageBase64 = base64_encode(llm::testing::jpeg_header(width, height));
    return llm::build_chat_request(task, {});
  }

  std::future<llm::CallResult> call_async(llm::ChatRequest request) {
    return asio::co_spawn(io_.context(), client_->complete(std::move(request), kKey, Millis(5000)),
                          asio::use_future);
  }
  llm::CallResult call(llm::ChatRequest request) { return call_async(std::move(request)).get(); }
  llm::CallResult call() { return call(request_with_image(640, 480)); }

  nlohmann::json stats() { return nlohmann::json::parse(server_->stats_json()); }

  int admin(const std::string& path, const std::string& body = "{}") {
    auto url = http::Url::parse("http://127.0.0.1:" + std::to_string(server_->port()) + path);
    http::Request request{http::Verb::post, url->path, 11};
    request.set(http::beast_http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    auto response = http::BlockingClient().send(*url, std::move(request), Millis(5000));
    return response ? static_cast<int>(response->result_int()) : 0;
  }

  ManualClock clock_;
  http::IoThreads io_;  // before the client and server, so destroyed after them
  http::Client http_;
  std::unique_ptr<MockLlmServer> server_;
  std::unique_ptr<llm::OpenAiCompatibleClient> client_;
};

struct Size {
  int width;
  int height;
};

class TokenCountTest : public MockProviderTest, public ::testing::WithParamInterface<Size> {};

// What tmon charges at acquire for the prompt is what the provider counts.
TEST_P(TokenCountTest, EstimateEqualsTheMockCount) {
  start({});
  const auto request = request_with_image(GetParam().width, GetParam().height);
  const int64_t estimate = llm::prompt_tokens(request, llm::TokenRule{});
  const auto reply = call(request);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->usage.prompt_tokens, estimate);
  EXPECT_EQ(reply->usage.total_tokens, reply->usage.prompt_tokens + reply->usage.completion_tokens);
  EXPECT_EQ(stats()["accounts"]["acct"]["tokens"], reply->usage.total_tokens);
}

INSTANTIATE_TEST_SUITE_P(ImageSizes, TokenCountTest,
                         ::testing::Values(Size{96, 64}, Size{224, 224}, Size{640, 480},
                                           Size{1280, 720}, Size{1920, 1080}, Size{28, 400}));

TEST_F(MockProviderTest, ModelTokenRulesApplyPerModel) {
  MockLlmOptions options;
  options.token_rules["qwen-vl-max"] = {2, 28, 4 * 28 * 28, 1280 * 28 * 28, 2};
  start(options);
  auto request = request_with_image(640, 480);
  request.model = "qwen-vl-max";
  const auto reply = call(request);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->usage.prompt_tokens,
            llm::prompt_tokens(request, {2, 28, 4 * 28 * 28, 1280 * 28 * 28, 2}));
}

TEST_F(MockProviderTest, TokensPerMinuteAnswersAllocatedQuotaExceeded) {
  MockLlmOptions options;
  const auto request = request_with_image(1280, 720);
  start({});  // a first server, only to learn one call's cost
  const auto probe = call(request);
  ASSERT_TRUE(probe);
  const int64_t per_call = probe->usage.total_tokens;
  server_.reset();
  options.accounts["acct"].limits.tokens_per_minute = 2 * per_call + per_call / 2;
  start(options);
  ASSERT_TRUE(call(request));
  ASSERT_TRUE(call(request));
  const auto refused = call(request);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, llm::CallErrorKind::kQuotaThrottled);
  EXPECT_EQ(refused.error().provider_code, "insufficient_quota");
  const auto account = stats()["accounts"]["acct"];
  EXPECT_EQ(account["tokenLimited"], 1);
  EXPECT_EQ(account["maxTokensPerMinute"], 2 * per_call);
  EXPECT_EQ(stats()["limits"]["acct"]["tokensPerMinute"], 2 * per_call + per_call / 2);
  clock_.advance(std::chrono::seconds(60));  // the minute is over
  EXPECT_TRUE(call(request));
}

TEST_F(MockProviderTest, TemporaryQuotaOutageLastsAsLongAsAsked) {
  start({});
  ASSERT_EQ(admin("/__admin/accounts/acct/quota", R"({"seconds": 30})"), 200);
  auto refused = call();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, llm::CallErrorKind::kQuotaThrottled);
  EXPECT_EQ(refused.error().message, "Allocated quota exceeded, please increase your quota limit.");
  clock_.advance(milliseconds(29'999));
  EXPECT_FALSE(call());
  clock_.advance(milliseconds(1));
  EXPECT_TRUE(call());
}

TEST_F(MockProviderTest, RevokedAndArrearsAnswerUntilRestored) {
  start({});
  ASSERT_EQ(admin("/__admin/keys/k1/revoke"), 200);
  auto refused = call();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, llm::CallErrorKind::kAuthFailed);
  ASSERT_EQ(admin("/__admin/keys/k1/restore"), 200);
  EXPECT_TRUE(call());
  ASSERT_EQ(admin("/__admin/accounts/acct/arrears"), 200);
  refused = call();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, llm::CallErrorKind::kQuotaExhausted);
  EXPECT_EQ(refused.error().provider_code, "Arrearage");
  ASSERT_EQ(admin("/__admin/accounts/acct/settle"), 200);
  EXPECT_TRUE(call());
  EXPECT_EQ(admin("/__admin/keys/nobody/revoke"), 404);
}

TEST_F(MockProviderTest, BurstRuleRefusesARateThatRisesTooFast) {
  MockLlmOptions options;
  options.burst = {2, 2};
  start(options);
  ASSERT_TRUE(call());
  ASSERT_TRUE(call());
  auto refused = call();  // a third in the first second: more than 2 from idle
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, llm::CallErrorKind::kRateLimited);
  EXPECT_EQ(refused.error().throttle, llm::Throttle::kBurst);
  clock_.advance(milliseconds(1'000));
  int accepted = 0;
  for (int i = 0; i < 6; ++i) accepted += static_cast<bool>(call());
  EXPECT_EQ(accepted, 4);  // twice the second before
  EXPECT_EQ(stats()["accounts"]["acct"]["burstLimited"], 3);
}

TEST_F(MockProviderTest, ArrivalJitterDelaysTheJudgementOnTheClock) {
  MockLlmOptions options;
  options.arrival_jitter = milliseconds(40);
  options.seed = 3;
  start(options);
  auto pending = call_async(request_with_image(96, 64));
  // The request waits for its arrival on the clock; 40 ms always suffice.
  ASSERT_TRUE(testing::eventually([&] {
    if (pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready) return true;
    clock_.advance(milliseconds(40));
    return false;
  }));
  EXPECT_TRUE(pending.get());
  EXPECT_EQ(stats()["accounts"]["acct"]["ok"], 1);
}

TEST_F(MockProviderTest, RepliesCarryTheLimitHeadersKeysVerifyReads) {
  MockLlmOptions options;
  options.accounts["acct"].limits = {10, 600, 100'000};
  start(options);
  const auto reply = call();
  ASSERT_TRUE(reply);
  ASSERT_TRUE(reply->limits);
  EXPECT_EQ(reply->limits->requests_per_minute, 600);
  EXPECT_EQ(reply->limits->tokens_per_minute, 100'000);
}

}  // namespace
}  // namespace tmon::mockllm
