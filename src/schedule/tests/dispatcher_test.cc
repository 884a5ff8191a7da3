#include "schedule/dispatcher.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <map>

#include "http/io_threads.h"
#include "schedule/local_rate_limiter.h"

namespace tmon::schedule {
namespace {

using messages::ResultStatus;
using std::chrono::milliseconds;

constexpr const char* kOkReply =
    R"({"hasDangerousDriving":false,"maxRiskLevel":"none","results":[{"riskLevel":"none"}]})";

// Answers by key: each key's script is consumed call by call; an exhausted
// script answers ok.
class ScriptedLlm final : public llm::LlmClient {
 public:
  std::map<std::string, std::vector<llm::CallResult>> scripts;
  std::vector<std::string> calls;  // secrets, in call order
  Millis delay{0};                 // how long each call takes
  int active = 0;
  int max_active = 0;
  std::mutex mu;

  boost::asio::awaitable<llm::CallResult> complete(llm::ChatRequest, std::string api_key,
                                                   Millis) override {
    llm::CallResult next = llm::ChatReply{kOkReply, "m", {10, 5, 15}};
    {
      std::lock_guard lock(mu);
      calls.push_back(api_key);
      max_active = std::max(max_active, ++active);
      auto& script = scripts[api_key];
      if (!script.empty()) {
        next = script.front();
        script.erase(script.begin());
      }
    }
    if (delay > Millis(0)) {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    {
      std::lock_guard lock(mu);
      --active;
    }
    co_return next;
  }
};

llm::CallResult failure(llm::CallErrorKind kind) {
  return tl::unexpected(llm::CallError{kind, 500, std::nullopt, "", "scripted"});
}

config::ApiKeyConfig key(const std::string& id, double qps = 100) {
  config::ApiKeyConfig k;
  k.id = id;
  k.key = "secret-" + id;
  k.qps_limit = qps;
  k.rpm_limit = 6000;
  return k;
}

messages::AssessmentTask make_task(const std::string& id, int64_t deadline_offset_ms = 60'000,
                                   const std::string& group = "") {
  messages::AssessmentTask task;
  task.taskId = id;
  task.cameraId = "cam";
  task.requestId = "r-" + id;
  task.groupId = group.empty() ? id : group;
  task.groupIndex = 4;
  task.captureTs = SystemClock::instance().epoch_ms();
  task.deadlineTs = task.captureTs + deadline_offset_ms;
  return task;
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : limiter_(SystemClock::instance(), Millis(0)),
        pool_(limiter_, states_, CooldownPolicy({true, Millis(60'000), Millis(50), Millis(200)}),
              SystemClock::instance()) {
    pool_.configure({key("a"), key("b")}, {});
  }

  Dispatcher& start(DispatcherOptions options = {}) {
    options.retry_max_attempts = 3;
    dispatcher_ = std::make_unique<Dispatcher>(options, io_.context(), pool_, llm_,
                                               config::LlmConfig{}, SystemClock::instance());
    dispatcher_->start();
    return *dispatcher_;
  }

  // Submits tasks and waits for all their results.
  std::vector<messages::AssessmentResult> run(std::vector<messages::AssessmentTask> tasks) {
    if (!dispatcher_) start();
    std::vector<std::promise<messages::AssessmentResult>> done(tasks.size());
    for (size_t i = 0; i < tasks.size(); ++i) {
      dispatcher_->submit(tasks[i], [&done, i](messages::AssessmentResult result) {
        done[i].set_value(std::move(result));
      });
    }
    std::vector<messages::AssessmentResult> results;
    for (auto& promise : done) {
      auto future = promise.get_future();
      EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
      results.push_back(future.get());
    }
    dispatcher_->stop(Millis(1000));
    return results;
  }

  messages::AssessmentResult run_one(int64_t deadline_offset_ms = 60'000) {
    return run({make_task("t1", deadline_offset_ms)})[0];
  }

  http::IoThreads io_;  // first: outlives everything that runs on it
  LocalRateLimiter limiter_;
  LocalKeyStateStore states_;
  KeyPool pool_;
  ScriptedLlm llm_;
  std::unique_ptr<Dispatcher> dispatcher_;
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
  EXPECT_EQ(result.metadata.schedulerInstance, "scheduler-1");
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
  const auto result = run({make_task("t1"), make_task("t2"), make_task("t3")});
  for (const auto& r : result) EXPECT_EQ(r.status, ResultStatus::kOk);
  EXPECT_EQ(pool_.usable(), 1u);
  // After the 401 every call goes to the good key.
  const auto first_a = std::find(llm_.calls.begin(), llm_.calls.end(), "secret-a");
  ASSERT_NE(first_a, llm_.calls.end());
  EXPECT_EQ(std::count(first_a + 1, llm_.calls.end(), "secret-a"), 0);
}

TEST_F(DispatcherTest, AllKeysDisabledMeansTheTaskExpires) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kQuotaExhausted)};
  llm_.scripts["secret-b"] = {failure(llm::CallErrorKind::kAuthFailed)};
  const auto result = run_one(500);
  EXPECT_EQ(pool_.usable(), 0u);
  EXPECT_EQ(result.status, ResultStatus::kExpired);
  EXPECT_EQ(result.code, "deadline_exceeded");
}

TEST_F(DispatcherTest, RateLimitedCallIsRetriedAfterTheCooldown) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kRateLimited)};
  llm_.scripts["secret-b"] = {failure(llm::CallErrorKind::kRateLimited)};
  const auto result = run_one();
  EXPECT_EQ(result.status, ResultStatus::kOk);
  EXPECT_EQ(result.metadata.attempts, 3);
  EXPECT_GE(result.metadata.queueWaitMs, 0);
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

TEST_F(DispatcherTest, OriginalFormatTaskGetsADeadlineFromArrival) {
  auto task = make_task("legacy");
  task.captureTs = 0;
  task.deadlineTs = 0;
  const auto result = run({task})[0];
  EXPECT_EQ(result.status, ResultStatus::kOk);
  EXPECT_GT(result.captureTs, 0);
  EXPECT_EQ(result.requestId, "r-legacy");
  EXPECT_EQ(result.groupIndex, 4);
}

TEST_F(DispatcherTest, NewerFrameOfAGroupSupersedesTheWaitingOne) {
  pool_.configure({key("a", 1)}, {});  // one call per second: the rest wait
  auto results = run({make_task("first", 60'000, "g"), make_task("second", 60'000, "g"),
                      make_task("third", 60'000, "g")});
  int ok = 0, rejected = 0;
  for (const auto& r : results) {
    ok += r.status == ResultStatus::kOk;
    if (r.status == ResultStatus::kRejected) {
      ++rejected;
      EXPECT_EQ(r.code, "superseded");
    }
  }
  EXPECT_EQ(ok + rejected, 3);
  EXPECT_GE(rejected, 1);
  EXPECT_EQ(results[2].status, ResultStatus::kOk);  // the newest always wins
}

TEST_F(DispatcherTest, CallsInFlightAreBounded) {
  DispatcherOptions options;
  options.max_concurrent_tasks = 2;
  llm_.delay = milliseconds(20);
  start(options);
  std::vector<messages::AssessmentTask> tasks;
  for (int i = 0; i < 20; ++i) tasks.push_back(make_task("t" + std::to_string(i)));
  const auto results = run(tasks);
  for (const auto& r : results) EXPECT_EQ(r.status, ResultStatus::kOk);
  EXPECT_EQ(dispatcher_->stats().ok, 20);
  EXPECT_EQ(llm_.max_active, 2);
}

}  // namespace
}  // namespace tmon::schedule
