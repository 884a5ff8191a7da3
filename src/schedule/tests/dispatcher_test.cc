#include "schedule/dispatcher.h"

#include <gtest/gtest.h>

#include <future>
#include <map>

#include "http/io_threads.h"

namespace tmon::schedule {
namespace {

using messages::ResultStatus;

constexpr const char* kOkReply =
    R"({"hasDangerousDriving":false,"maxRiskLevel":"none","results":[{"riskLevel":"none"}]})";

// Answers by key: each key's script is consumed call by call; an exhausted
// script answers ok.
class ScriptedLlm final : public llm::LlmClient {
 public:
  std::map<std::string, std::vector<llm::CallResult>> scripts;
  std::vector<std::string> calls;  // secrets, in call order
  std::mutex mu;

  boost::asio::awaitable<llm::CallResult> complete(const llm::ChatRequest&,
                                                   const std::string& api_key, Millis) override {
    std::lock_guard lock(mu);
    calls.push_back(api_key);
    auto& script = scripts[api_key];
    if (script.empty()) co_return llm::ChatReply{kOkReply, "m", {10, 5, 15}};
    auto next = script.front();
    script.erase(script.begin());
    co_return next;
  }
};

llm::CallResult failure(llm::CallErrorKind kind) {
  return tl::unexpected(llm::CallError{kind, 500, std::nullopt, "", "scripted"});
}

std::vector<config::ApiKeyConfig> two_keys() {
  config::ApiKeyConfig a;
  a.id = "key-a";
  a.key = "secret-a";
  config::ApiKeyConfig b = a;
  b.id = "key-b";
  b.key = "secret-b";
  return {a, b};
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() : pool_(two_keys()) {}

  messages::AssessmentResult run_one(int64_t deadline_offset_ms = 60'000) {
    DispatcherOptions options;
    options.retry_max_attempts = 3;
    Dispatcher dispatcher(options, io_.context(), pool_, llm_, config::LlmConfig{},
                          SystemClock::instance());
    dispatcher.start();
    messages::AssessmentTask task;
    task.taskId = "t1";
    task.cameraId = "cam";
    task.requestId = "r";
    task.groupIndex = 4;
    task.deadlineTs = SystemClock::instance().epoch_ms() + deadline_offset_ms;
    std::promise<messages::AssessmentResult> done;
    dispatcher.submit(task, [&](messages::AssessmentResult result) { done.set_value(result); });
    auto future = done.get_future();
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    dispatcher.stop(Millis(1000));
    return future.get();
  }

  http::IoThreads io_;  // first: outlives everything that runs on it
  KeyPool pool_;
  ScriptedLlm llm_;
};

TEST_F(DispatcherTest, OkReplyBecomesAnOkResultWithMetadata) {
  const auto result = run_one();
  EXPECT_EQ(result.status, ResultStatus::kOk);
  ASSERT_TRUE(result.riskAssessment);
  EXPECT_EQ(result.riskAssessment->results[0].groupIndex, 4);
  EXPECT_EQ(result.metadata.attempts, 1);
  EXPECT_EQ(result.metadata.totalTokens, 15);
  EXPECT_FALSE(result.metadata.apiKeyId.empty());
  EXPECT_EQ(result.metadata.apiKeyId.find("secret"), std::string::npos);
}

TEST_F(DispatcherTest, ServerErrorRetriesOnTheOtherKey) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kServerError)};
  llm_.scripts["secret-b"] = {failure(llm::CallErrorKind::kServerError)};
  const auto result = run_one();
  EXPECT_EQ(result.status, ResultStatus::kOk);
  EXPECT_EQ(result.metadata.attempts, 3);
  ASSERT_EQ(llm_.calls.size(), 3u);
  EXPECT_NE(llm_.calls[0], llm_.calls[1]);
}

TEST_F(DispatcherTest, RetriesAreBounded) {
  llm_.scripts["secret-a"] = std::vector<llm::CallResult>(5, failure(llm::CallErrorKind::kTimeout));
  llm_.scripts["secret-b"] = std::vector<llm::CallResult>(5, failure(llm::CallErrorKind::kTimeout));
  const auto result = run_one();
  EXPECT_EQ(result.status, ResultStatus::kError);
  EXPECT_EQ(result.code, "timeout");
  EXPECT_EQ(result.metadata.attempts, 3);
}

TEST_F(DispatcherTest, BadRequestIsNotRetried) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kBadRequest)};
  llm_.scripts["secret-b"] = {failure(llm::CallErrorKind::kBadRequest)};
  const auto result = run_one();
  EXPECT_EQ(result.status, ResultStatus::kError);
  EXPECT_EQ(result.code, "bad_request");
  EXPECT_EQ(llm_.calls.size(), 1u);
}

TEST_F(DispatcherTest, AuthFailureDisablesTheKeyAndRetriesElsewhere) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kAuthFailed)};
  llm_.scripts["secret-b"] = {failure(llm::CallErrorKind::kAuthFailed)};
  const auto result = run_one(500);
  // Both keys are now disabled; the task cannot be sent and expires.
  EXPECT_EQ(pool_.available(), 0u);
  EXPECT_EQ(result.status, ResultStatus::kExpired);
  EXPECT_EQ(result.code, "deadline_exceeded");
}

TEST_F(DispatcherTest, UnusableReplyIsABadResponseError) {
  llm_.scripts["secret-a"] = {llm::ChatReply{"I cannot help with that.", "m", {}}};
  llm_.scripts["secret-b"] = {llm::ChatReply{"I cannot help with that.", "m", {}}};
  const auto result = run_one();
  EXPECT_EQ(result.status, ResultStatus::kError);
  EXPECT_EQ(result.code, "bad_response");
}

TEST_F(DispatcherTest, TaskPastItsDeadlineExpiresWithoutACall) {
  const auto result = run_one(-1);
  EXPECT_EQ(result.status, ResultStatus::kExpired);
  EXPECT_TRUE(llm_.calls.empty());
}

}  // namespace
}  // namespace tmon::schedule
