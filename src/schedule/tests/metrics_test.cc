#include "schedule/metrics.h"

#include <gtest/gtest.h>

#include <future>
#include <map>

#include "http/io_threads.h"
#include "metrics/exposition.h"
#include "schedule/dispatcher.h"
#include "schedule/local_rate_limiter.h"
#include "schedule/scheduler.h"

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
  std::mutex mu;

  boost::asio::awaitable<llm::CallResult> complete(llm::ChatRequest, std::string api_key,
                                                   Millis) override {
    llm::CallResult next = llm::ChatReply{kOkReply, "m", {10, 5, 15}, {}};
    {
      std::lock_guard lock(mu);
      auto& script = scripts[api_key];
      if (!script.empty()) {
        next = script.front();
        script.erase(script.begin());
      }
    }
    co_return next;
  }
};

llm::CallResult failure(llm::CallErrorKind kind, int status, std::string code = "",
                        std::string message = "scripted",
                        std::optional<Millis> retry_after = std::nullopt) {
  return tl::unexpected(llm::CallError{kind, status, retry_after, std::move(code), message});
}

config::ApiKeyConfig key(const std::string& id, const std::string& account = "") {
  config::ApiKeyConfig k;
  k.id = id;
  k.key = "secret-" + id;
  k.account = account;
  k.qps_limit = 100;
  k.rpm_limit = 6000;
  return k;
}

// Limits for the named accounts of `keys` (a named account without limits
// gets no permits).
std::vector<config::AccountConfig> accounts(const std::vector<config::ApiKeyConfig>& keys) {
  std::vector<config::AccountConfig> out;
  for (const auto& k : keys) {
    if (!k.account.empty()) out.push_back({k.account, 100, 6000, 0, {}});
  }
  return out;
}

messages::AssessmentTask make_task(const std::string& id) {
  messages::AssessmentTask task;
  task.taskId = id;
  task.cameraId = "cam";
  task.requestId = "r-" + id;
  task.groupId = id;
  task.groupIndex = 4;
  task.captureTs = SystemClock::instance().epoch_ms();
  task.deadlineTs = task.captureTs + 60'000;
  return task;
}

// Value of a series, 0 when it does not exist.
double counter(prometheus::Family<prometheus::Counter>& family, const prometheus::Labels& labels) {
  return family.Has(labels) ? family.Add(labels).Value() : 0;
}

uint64_t histogram_count(prometheus::Family<prometheus::Histogram>& family,
                         const prometheus::Labels& labels) {
  if (!family.Has(labels)) return 0;
  return family.Add(labels, prometheus::Histogram::BucketBoundaries{})
      .Collect()
      .histogram.sample_count;
}

class SchedulerMetricsTest : public ::testing::Test {
 protected:
  SchedulerMetricsTest()
      : metrics_(registry_),
        limiter_(SystemClock::instance()),
        // max_cooldown 60 s: it caps Retry-After, and the 429 below asks for 30 s.
        pool_(limiter_, states_, CooldownPolicy({true, Millis(60'000), Millis(50), Millis(60'000)}),
              SystemClock::instance()) {}

  // Submits tasks one after another (so scripts are consumed in order) and
  // returns their results.
  std::vector<messages::AssessmentResult> run(const std::vector<config::ApiKeyConfig>& keys,
                                              int tasks) {
    pool_.configure(keys, accounts(keys));
    DispatcherOptions options;
    options.retry_max_attempts = 3;
    options.max_concurrent_tasks = 1;
    Dispatcher dispatcher(options, io_.context(), pool_, llm_, config::LlmConfig{},
                          SystemClock::instance(), metrics_);
    dispatcher.start();
    std::vector<messages::AssessmentResult> results;
    for (int i = 0; i < tasks; ++i) {
      // Shared: a result that comes after a timed-out wait must not write to a dead promise.
      auto done = std::make_shared<std::promise<messages::AssessmentResult>>();
      auto future = done->get_future();
      dispatcher.submit(
          make_task("t" + std::to_string(i)),
          [done](messages::AssessmentResult result) { done->set_value(std::move(result)); });
      if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        ADD_FAILURE() << "no result for task " << i;
        break;
      }
      results.push_back(future.get());
    }
    dispatcher.stop(Millis(1000));
    return results;
  }

  http::IoThreads io_;  // first: outlives everything that runs on it
  prometheus::Registry registry_;
  SchedulerMetrics metrics_;
  LocalRateLimiter limiter_;
  LocalKeyStateStore states_;
  KeyPool pool_;
  ScriptedLlm llm_;
};

TEST_F(SchedulerMetricsTest, SuccessfulCallsCountAsOkPerKeyAndAccount) {
  const auto results = run({key("a", "acct")}, 3);
  for (const auto& result : results) EXPECT_EQ(result.status, ResultStatus::kOk);
  EXPECT_EQ(
      counter(metrics_.llm_calls, {{"status", "success"}, {"key_id", "a"}, {"account", "acct"}}),
      3);
  EXPECT_EQ(histogram_count(metrics_.llm_latency, {{"account", "acct"}}), 3u);
  EXPECT_EQ(histogram_count(metrics_.permit_wait, {{"account", "acct"}}), 3u);
  EXPECT_EQ(counter(metrics_.results, {{"status", "ok"}}), 3);
  EXPECT_EQ(counter(metrics_.retries, {{"reason", "rate_limited"}}), 0);
}

TEST_F(SchedulerMetricsTest, RateLimitedCallIsCountedRetriedAndCoolsTheKey) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kRateLimited, 429, "limit_requests",
                                      "Requests rate limit exceeded", Millis(30'000))};
  const auto results = run({key("a"), key("b")}, 1);
  ASSERT_EQ(results[0].status, ResultStatus::kOk);  // retried on b
  EXPECT_EQ(
      counter(metrics_.llm_calls, {{"status", "rate_limited"}, {"key_id", "a"}, {"account", "a"}}),
      1);
  EXPECT_EQ(counter(metrics_.llm_calls, {{"status", "success"}, {"key_id", "b"}, {"account", "b"}}),
            1);
  EXPECT_EQ(counter(metrics_.rate_limited, {{"account", "a"}, {"reason", "provider"}}), 1);
  EXPECT_EQ(counter(metrics_.retries, {{"reason", "rate_limited"}}), 1);
  EXPECT_EQ(counter(metrics_.results, {{"status", "ok"}}), 1);

  metrics_.set_keys(pool_.snapshot());
  const prometheus::Labels a{{"key_id", "a"}, {"account", "a"}};
  const prometheus::Labels b{{"key_id", "b"}, {"account", "b"}};
  EXPECT_EQ(metrics_.key_status.Add(a).Value(), 0);  // cooling
  EXPECT_GT(metrics_.key_cooldown_remaining.Add(a).Value(), 20);
  EXPECT_EQ(metrics_.key_status.Add(b).Value(), 1);
  EXPECT_EQ(metrics_.key_cooldown_remaining.Add(b).Value(), 0);
}

TEST_F(SchedulerMetricsTest, FailuresCountByStatusAndDisabledKeysShowMinusOne) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kAuthFailed, 401, "invalid_api_key")};
  llm_.scripts["secret-b"] = {failure(llm::CallErrorKind::kBadRequest, 400)};
  // t0: a answers 401 (a disabled), retried on b which answers 400: final error.
  // t1: b answers ok.
  const auto results = run({key("a"), key("b")}, 2);
  EXPECT_EQ(results[0].status, ResultStatus::kError);
  EXPECT_EQ(results[1].status, ResultStatus::kOk);
  EXPECT_EQ(
      counter(metrics_.llm_calls, {{"status", "auth_failed"}, {"key_id", "a"}, {"account", "a"}}),
      1);
  EXPECT_EQ(
      counter(metrics_.llm_calls, {{"status", "bad_request"}, {"key_id", "b"}, {"account", "b"}}),
      1);
  EXPECT_EQ(counter(metrics_.llm_calls, {{"status", "success"}, {"key_id", "b"}, {"account", "b"}}),
            1);
  EXPECT_EQ(counter(metrics_.results, {{"status", "error"}}), 1);
  EXPECT_EQ(counter(metrics_.results, {{"status", "ok"}}), 1);
  EXPECT_EQ(counter(metrics_.retries, {{"reason", "auth_failed"}}), 1);
  metrics_.set_keys(pool_.snapshot());
  EXPECT_EQ(metrics_.key_status.Add({{"key_id", "a"}, {"account", "a"}}).Value(), -1);
}

TEST_F(SchedulerMetricsTest, UnusableReplyCountsAsBadResponse) {
  llm_.scripts["secret-a"] = {llm::ChatReply{"I cannot help with that", "m", {}, {}}};
  const auto results = run({key("a")}, 1);
  EXPECT_EQ(results[0].status, ResultStatus::kError);
  EXPECT_EQ(
      counter(metrics_.llm_calls, {{"status", "bad_response"}, {"key_id", "a"}, {"account", "a"}}),
      1);
  EXPECT_EQ(counter(metrics_.llm_calls, {{"status", "success"}, {"key_id", "a"}, {"account", "a"}}),
            0);
}

TEST_F(SchedulerMetricsTest, KeysRemovedByReloadLoseTheirSeries) {
  pool_.configure({key("a"), key("b")}, {});
  metrics_.set_keys(pool_.snapshot());
  EXPECT_TRUE(metrics_.key_status.Has({{"key_id", "b"}, {"account", "b"}}));
  pool_.configure({key("a")}, {});
  metrics_.set_keys(pool_.snapshot());
  EXPECT_TRUE(metrics_.key_status.Has({{"key_id", "a"}, {"account", "a"}}));
  EXPECT_FALSE(metrics_.key_status.Has({{"key_id", "b"}, {"account", "b"}}));
  EXPECT_FALSE(metrics_.key_cooldown_remaining.Has({{"key_id", "b"}, {"account", "b"}}));
}

TEST(CallStatusTest, EveryErrorKindHasItsLabel) {
  using K = llm::CallErrorKind;
  EXPECT_EQ(call_status(K::kRateLimited), "rate_limited");
  EXPECT_EQ(call_status(K::kAuthFailed), "auth_failed");
  EXPECT_EQ(call_status(K::kQuotaExhausted), "quota_exhausted");
  EXPECT_EQ(call_status(K::kBadRequest), "bad_request");
  EXPECT_EQ(call_status(K::kServerError), "server_error");
  EXPECT_EQ(call_status(K::kTimeout), "timeout");
  EXPECT_EQ(call_status(K::kConnection), "connection_error");
  EXPECT_EQ(call_status(K::kBadResponse), "bad_response");
}

TEST(RateLimitReasonTest, NamesTheLimitWhenTheProviderSaysWhichOne) {
  const auto reason = [](std::string code, std::string message) {
    return std::string(rate_limit_reason(
        llm::CallError{llm::CallErrorKind::kRateLimited, 429, std::nullopt, code, message}));
  };
  EXPECT_EQ(reason("limit_requests", "Requests rate limit exceeded, please try again later."),
            "provider");
  EXPECT_EQ(reason("Throttling.AllocationQuota", "Allocated quota exceeded"), "provider_quota");
  EXPECT_EQ(reason("rate_limit_exceeded", "Rate limit reached on tokens per min (TPM)"),
            "provider_tpm");
  EXPECT_EQ(reason("rate_limit_exceeded", "Rate limit reached on requests per min (RPM)"),
            "provider_rpm");
  EXPECT_EQ(reason("Throttling", "Requests per second (QPS) limit exceeded"), "provider_qps");
  EXPECT_EQ(reason("", ""), "provider");
}

TEST(SchedulerUpdateMetricsTest, GaugesFollowTheSchedulerBeforeEachScrape) {
  SchedulerSections config;
  const std::vector<config::ApiKeyConfig> keys{key("k1", "acct"), key("k2", "acct")};
  config.accounts = {{"acct", 100, 6000, 0, {}}};
  http::IoThreads io;
  ScriptedLlm llm;
  auto registry = std::make_shared<prometheus::Registry>();
  auto scheduler = Scheduler::create(config, "s-1", keys, io.context(), llm,
                                     SystemClock::instance(), registry.get());
  ASSERT_TRUE(scheduler) << scheduler.error().message;
  (*scheduler)->keys().disable("k2", "test");
  (*scheduler)->update_metrics();
  const std::string text = metrics::serialize(*registry);
  EXPECT_NE(text.find("api_key_status{account=\"acct\",key_id=\"k1\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("api_key_status{account=\"acct\",key_id=\"k2\"} -1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("scheduler_queue_depth 0"), std::string::npos) << text;
  EXPECT_NE(text.find("scheduler_in_flight 0"), std::string::npos) << text;
  EXPECT_NE(text.find("rate_limiter_fallback_active 0"), std::string::npos) << text;
  EXPECT_EQ(text.find("instance="), std::string::npos) << text;
}

}  // namespace
}  // namespace tmon::schedule
