#include "schedule/dispatcher.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <map>
#include <sstream>

#include "common/base64.h"
#include "common/logging.h"
#include "eventually.h"
#include "http/io_threads.h"
#include "llm/tests/fake_images.h"
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
  std::vector<std::string> calls;       // secrets, in call order
  std::vector<std::string> models;      // the model of each call
  std::vector<size_t> pictures;         // pictures in each call: 1, or a batch's count
  std::vector<int> max_tokens;          // each call's reply cap
  std::vector<llm::CallResult> shared;  // answered first, whatever the key
  Millis delay{0};                      // how long each call takes
  // Runs before each request counts as written (a test moves the clock:
  // the time a body takes to go out).
  std::function<void()> before_written;
  // Runs as each call starts (a test looks at the windows then).
  std::function<void(const llm::ChatRequest&)> on_call;
  int active = 0;
  int max_active = 0;
  std::mutex mu;

  // How many calls were made so far; safe while calls run (on the io thread).
  size_t call_count() {
    std::lock_guard lock(mu);
    return calls.size();
  }

  boost::asio::awaitable<llm::CallResult> complete(llm::ChatRequest request, std::string api_key,
                                                   Millis) override {
    llm::CallResult next = llm::ChatReply{kOkReply, "m", {10, 5, 15}, {}};
    if (on_call) on_call(request);
    if (before_written) before_written();
    if (request.on_written) request.on_written();
    {
      std::lock_guard lock(mu);
      calls.push_back(api_key);
      models.push_back(request.model);
      pictures.push_back(request.images.empty() ? 1 : request.images.size());
      max_tokens.push_back(request.max_tokens);
      max_active = std::max(max_active, ++active);
      auto& script = scripts[api_key];
      if (!shared.empty()) {
        next = shared.front();
        shared.erase(shared.begin());
      } else if (!script.empty()) {
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

// The local limiter with a hook that runs inside the next acquire(): the
// moment the dispatcher waits for a permit sized for the task it peeked.
class HookedLimiter final : public RateLimiter {
 public:
  explicit HookedLimiter(Clock& clock) : inner_(clock) {}
  std::function<void()> on_next_acquire;

  void set_limits(const std::vector<AccountLimits>& limits) override { inner_.set_limits(limits); }
  Permit acquire(const PermitRequest& request) override {
    if (auto hook = std::exchange(on_next_acquire, nullptr)) hook();
    return inner_.acquire(request);
  }
  void correct_tokens(const std::string& account, const TokenCharge& charge,
                      int64_t tokens) override {
    inner_.correct_tokens(account, charge, tokens);
  }
  void delay_permit(const std::string& account, const PermitSlot& slot, Millis by) override {
    inner_.delay_permit(account, slot, by);
  }
  void cool_down(const std::string& account, Millis duration) override {
    inner_.cool_down(account, duration);
  }
  Millis cooldown_remaining(const std::string& account) override {
    return inner_.cooldown_remaining(account);
  }
  PermitsLeft permits_left(const std::string& account) override {
    return inner_.permits_left(account);
  }
  LimiterStatus status() override { return inner_.status(); }
  std::optional<LearnedMargin> load_margin() override { return inner_.load_margin(); }
  void store_margin(const LearnedMargin& margin) override { inner_.store_margin(margin); }
  bool blocking() const override { return inner_.blocking(); }

 private:
  LocalRateLimiter inner_;
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

// The dispatcher on a ManualClock: time moves only when a test says so.
class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() : limiter_(clock_), pool_(limiter_, states_, settings(), clock_) {
    pool_.configure({key("a"), key("b")}, {});
  }

  static KeyPoolSettings settings() {
    KeyPoolSettings s;
    s.cooldown = {true, Millis(60'000), Millis(50), Millis(200)};
    s.margin.floor = Millis(0);  // windows exactly the provider's: boundaries are exact
    return s;
  }

  messages::AssessmentTask make_task(const std::string& id, int64_t deadline_offset_ms = 60'000,
                                     const std::string& group = "") {
    messages::AssessmentTask task;
    task.taskId = id;
    task.cameraId = "cam";
    task.requestId = "r-" + id;
    task.groupId = group.empty() ? id : group;
    task.groupIndex = 4;
    task.captureTs = clock_.epoch_ms();
    task.deadlineTs = task.captureTs + deadline_offset_ms;
    return task;
  }

  Dispatcher& start(DispatcherOptions options = {}, config::LlmConfig llm = {}) {
    create(options, std::move(llm));
    dispatcher_->start();
    settle(0);
    return *dispatcher_;
  }
  // Without starting its loop: tasks submitted now all wait when it starts.
  void create(DispatcherOptions options = {}, config::LlmConfig llm = {}) {
    options.retry_max_attempts = 3;
    dispatcher_ = std::make_unique<Dispatcher>(options, io_.context(), pool_, llm_, std::move(llm),
                                               clock_, metrics_);
  }

  std::future<messages::AssessmentResult> submit(messages::AssessmentTask task) {
    if (!dispatcher_) start();
    auto promise = std::make_shared<std::promise<messages::AssessmentResult>>();
    auto future = promise->get_future();
    dispatcher_->submit(std::move(task), [promise](messages::AssessmentResult result) {
      promise->set_value(std::move(result));
    });
    return future;
  }

  // Waits (in real time, briefly) until the loop has gone to sleep more than
  // `sleeps` times: it has seen the current time and waits again.
  void settle(uint64_t sleeps) {
    ASSERT_TRUE(testing::eventually([&] { return dispatcher_->sleeps() > sleeps; }));
  }
  // Moves the clock to `offset` after the test's start; the loop must have an
  // alarm on the way (its idle wake is every 250 ms).
  void step_to(Millis offset) {
    const uint64_t before = dispatcher_->sleeps();
    clock_.advance(start_ + offset - clock_.now());
    settle(before);
  }

  // Submits tasks and drives the clock in 50 ms steps until all have results.
  std::vector<messages::AssessmentResult> run(std::vector<messages::AssessmentTask> tasks) {
    std::vector<std::future<messages::AssessmentResult>> futures;
    for (auto& task : tasks) futures.push_back(submit(std::move(task)));
    const auto all_ready = [&] {
      return std::all_of(futures.begin(), futures.end(), [](auto& f) {
        return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
      });
    };
    for (int step = 0; step < 4'000 && !all_ready(); ++step) {
      if (!testing::eventually(all_ready, milliseconds(2), milliseconds(1))) {
        clock_.advance(milliseconds(50));
      }
    }
    std::vector<messages::AssessmentResult> results;
    for (auto& future : futures) {
      EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
      results.push_back(future.get());
    }
    dispatcher_->stop(Millis(1000));
    return results;
  }

  messages::AssessmentResult run_one(int64_t deadline_offset_ms = 60'000) {
    return run({make_task("t1", deadline_offset_ms)})[0];
  }

  http::IoThreads io_;  // first: outlives everything that runs on it
  ManualClock clock_;
  const SteadyTime start_ = clock_.now();
  prometheus::Registry registry_;
  SchedulerMetrics metrics_{registry_};
  HookedLimiter limiter_;
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
  ASSERT_EQ(llm_.call_count(), 3u);
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
  EXPECT_EQ(llm_.call_count(), 1u);
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

// A task whose group detection flagged: a car and a pedestrian 0.8 s from
// colliding.
messages::AssessmentTask with_conflict(messages::AssessmentTask task) {
  task.objects = {{1, "car", 2, 0.9, {0, 0, 60, 30}}, {2, "person", 0, 0.8, {70, 0, 80, 30}}};
  task.safety.conflict = true;
  task.safety.minTtc = 0.8;
  task.safety.pairs = {{1, 2, 0.8, -1, 10, 12.5, true}};
  task.triggers = {"conflict", "proximity"};
  return task;
}

TEST_F(DispatcherTest, AllKeysDisabledYieldsARuleBasedResultAtOnce) {
  auto disabled_a = key("a");
  auto disabled_b = key("b");
  disabled_a.enabled = disabled_b.enabled = false;
  pool_.configure({disabled_a, disabled_b}, {});
  DispatcherOptions options;
  options.rule_fallback = true;
  start(options);
  const int64_t captured = clock_.epoch_ms();
  const auto result = run({with_conflict(make_task("t1", 60'000))})[0];
  EXPECT_TRUE(llm_.calls.empty());
  EXPECT_EQ(result.status, ResultStatus::kOk);
  EXPECT_EQ(result.source, "rules");
  EXPECT_EQ(result.metadata.llmModel, "rules");
  ASSERT_TRUE(result.riskAssessment);
  ASSERT_EQ(result.riskAssessment->results.size(), 1u);
  const auto& risk = result.riskAssessment->results[0];
  EXPECT_EQ(risk.source, "rules");
  EXPECT_EQ(risk.groupIndex, 4);
  EXPECT_EQ(risk.riskLevel, messages::RiskLevel::kHigh);
  EXPECT_EQ(risk.riskTypes, (std::vector<std::string>{"人车冲突"}));
  // Long before the task's deadline: nobody waits for a key that cannot come.
  EXPECT_LT(result.completedTs, captured + 1'000);
  EXPECT_EQ(metrics_.rule_assessments.Add({{"reason", "no_usable_key"}}).Value(), 1);
}

TEST_F(DispatcherTest, KeysDisabledByTheProviderYieldARuleBasedResult) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kQuotaExhausted)};
  llm_.scripts["secret-b"] = {failure(llm::CallErrorKind::kAuthFailed)};
  DispatcherOptions options;
  options.rule_fallback = true;
  start(options);
  const auto result = run({with_conflict(make_task("t1", 500))})[0];
  EXPECT_EQ(pool_.usable(), 0u);
  EXPECT_EQ(result.status, ResultStatus::kOk);
  EXPECT_EQ(result.source, "rules");
}

TEST_F(DispatcherTest, ProviderDownYieldsARuleBasedResultNotAnError) {
  llm_.scripts["secret-a"] = std::vector<llm::CallResult>(5, failure(llm::CallErrorKind::kTimeout));
  llm_.scripts["secret-b"] = std::vector<llm::CallResult>(5, failure(llm::CallErrorKind::kTimeout));
  DispatcherOptions options;
  options.rule_fallback = true;
  start(options);
  const auto result = run({with_conflict(make_task("t1"))})[0];
  EXPECT_EQ(result.status, ResultStatus::kOk);
  EXPECT_EQ(result.source, "rules");
  EXPECT_EQ(result.metadata.attempts, 3);
  EXPECT_EQ(metrics_.rule_assessments.Add({{"reason", "provider_error"}}).Value(), 1);
}

TEST_F(DispatcherTest, RulesDoNotHideOurOwnBadRequests) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kBadRequest)};
  DispatcherOptions options;
  options.rule_fallback = true;
  start(options);
  const auto result = run({make_task("t1")})[0];
  EXPECT_EQ(result.status, ResultStatus::kError);
  EXPECT_EQ(result.code, "bad_request");
}

TEST_F(DispatcherTest, LlmAnswersSayTheirSource) {
  const auto result = run_one();
  EXPECT_EQ(result.source, "llm");
  EXPECT_EQ(result.riskAssessment->results[0].source, "llm");
}

// ---- frame-level batching (llm.batch_groups) ----

config::LlmConfig batching() {
  config::LlmConfig llm;
  llm.batch_groups = true;
  llm.max_tokens = 100;
  return llm;
}

// Tasks of one frame (requestId "frame"), group indices as given.
class BatchTest : public DispatcherTest {
 protected:
  std::vector<messages::AssessmentResult> run_frame(const std::vector<int>& groups,
                                                    config::LlmConfig llm = batching()) {
    create({}, std::move(llm));
    std::vector<std::future<messages::AssessmentResult>> futures;
    for (int index : groups) {
      auto task = make_task("t" + std::to_string(index));
      task.requestId = "frame";
      task.groupIndex = index;
      futures.push_back(submit(std::move(task)));
    }
    dispatcher_->start();  // every task waits: the first takes the others along
    std::vector<messages::AssessmentResult> results;
    for (auto& future : futures) {
      EXPECT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
      results.push_back(future.get());
    }
    dispatcher_->stop(Millis(1000));
    return results;
  }

  static llm::CallResult reply(const std::string& content) {
    return llm::ChatReply{content, "m", {300, 60, 360}, {}};
  }
};

TEST_F(BatchTest, AFramesGroupsGoInOneCallAndEachGetsItsOwnResult) {
  llm_.shared = {
      reply(R"({"results":[{"groupIndex":3,"riskLevel":"none"},{"groupIndex":1,"riskLevel":"high",)"
            R"("riskTypes":["人车冲突"]},{"groupIndex":2,"riskLevel":"low"}]})")};
  const auto results = run_frame({1, 2, 3});
  ASSERT_EQ(llm_.calls.size(), 1u);
  EXPECT_EQ(llm_.pictures[0], 3u);
  EXPECT_EQ(llm_.max_tokens[0], 300);  // a reply's worth per group
  const std::vector<messages::RiskLevel> expected = {
      messages::RiskLevel::kHigh, messages::RiskLevel::kLow, messages::RiskLevel::kNone};
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& result = results[i];
    ASSERT_EQ(result.status, ResultStatus::kOk) << i;
    EXPECT_EQ(result.taskId, "t" + std::to_string(i + 1));
    ASSERT_EQ(result.riskAssessment->results.size(), 1u);
    EXPECT_EQ(result.riskAssessment->results[0].groupIndex, static_cast<int>(i + 1));
    EXPECT_EQ(result.riskAssessment->results[0].riskLevel, expected[i]);
    EXPECT_EQ(result.riskAssessment->maxRiskLevel, expected[i]);
    EXPECT_EQ(result.metadata.totalTokens, 120);  // the call's 360, shared
    EXPECT_EQ(result.source, "llm");
  }
  EXPECT_EQ(metrics_.batch_calls.Value(), 1);
  EXPECT_EQ(metrics_.batch_groups.Value(), 3);
}

TEST_F(BatchTest, AGroupTheReplyLeftOutIsAskedAgainAlone) {
  llm_.shared = {reply(R"({"results":[{"groupIndex":1,"riskLevel":"low"},)"
                       R"({"groupIndex":3,"riskLevel":"medium"}]})")};
  const auto results = run_frame({1, 2, 3});
  ASSERT_EQ(llm_.calls.size(), 2u);
  EXPECT_EQ(llm_.pictures[0], 3u);
  EXPECT_EQ(llm_.pictures[1], 1u);  // group 2, alone
  EXPECT_EQ(results[0].riskAssessment->results[0].riskLevel, messages::RiskLevel::kLow);
  EXPECT_EQ(results[2].riskAssessment->results[0].riskLevel, messages::RiskLevel::kMedium);
  ASSERT_EQ(results[1].status, ResultStatus::kOk);
  EXPECT_EQ(results[1].riskAssessment->results[0].groupIndex, 2);
  EXPECT_EQ(results[1].metadata.attempts, 2);
  EXPECT_EQ(metrics_.batch_fallbacks.Add({{"reason", "missing_group"}}).Value(), 1);
}

TEST_F(BatchTest, AnUnreadableBatchReplyFallsBackToOneCallPerGroup) {
  llm_.shared = {reply("I see three groups of cars.")};
  const auto results = run_frame({1, 2, 3});
  ASSERT_EQ(llm_.calls.size(), 4u);
  EXPECT_EQ(llm_.pictures, (std::vector<size_t>{3, 1, 1, 1}));
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_EQ(results[i].status, ResultStatus::kOk);
    EXPECT_EQ(results[i].riskAssessment->results[0].groupIndex, static_cast<int>(i + 1));
  }
  EXPECT_EQ(metrics_.batch_fallbacks.Add({{"reason", "unreadable"}}).Value(), 3);
}

TEST_F(BatchTest, BatchSizeIsCapped) {
  config::LlmConfig llm = batching();
  llm.max_batch_groups = 2;
  llm_.shared = {reply(R"({"results":[{"groupIndex":1,"riskLevel":"low"},)"
                       R"({"groupIndex":2,"riskLevel":"none"}]})")};
  run_frame({1, 2, 3}, llm);
  ASSERT_EQ(llm_.calls.size(), 2u);
  EXPECT_EQ(llm_.pictures, (std::vector<size_t>{2, 1}));
}

TEST_F(BatchTest, OffMeansOneCallPerGroup) {
  config::LlmConfig llm;
  llm.batch_groups = false;
  run_frame({1, 2, 3}, llm);
  EXPECT_EQ(llm_.pictures, (std::vector<size_t>{1, 1, 1}));
}

TEST_F(BatchTest, OnByDefault) {
  EXPECT_TRUE(config::LlmConfig{}.batch_groups);
  run_frame({1, 2, 3}, config::LlmConfig{});
  ASSERT_FALSE(llm_.pictures.empty());
  EXPECT_EQ(llm_.pictures.front(), 3u);  // the frame's three groups in the first call
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
  llm_.scripts["secret-a"] = {llm::ChatReply{"I cannot help with that.", "m", {}, {}}};
  llm_.scripts["secret-b"] = {llm::ChatReply{"I cannot help with that.", "m", {}, {}}};
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

// Each 429 is one warning line with what its diagnosis needs (the code, the
// permit's time, how late the body was written, the margin and what the
// account's permits before it did), and never the key itself.
TEST_F(DispatcherTest, ARefusalIsLoggedOnceWithoutTheKey) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  sink->set_level(spdlog::level::warn);
  const auto logger = get_logger("schedule");
  logger->sinks().push_back(sink);
  const auto level = logger->level();
  logger->set_level(spdlog::level::info);
  llm::CallError refusal{llm::CallErrorKind::kRateLimited, 429, std::nullopt, "limit_requests",
                         "Requests rate limit exceeded"};
  refusal.throttle = llm::Throttle::kRequests;
  llm_.scripts["secret-a"] = {tl::unexpected(refusal)};
  llm_.scripts["secret-b"] = {tl::unexpected(refusal)};
  llm_.before_written = [this] { clock_.advance(milliseconds(3)); };
  EXPECT_EQ(run_one().status, ResultStatus::kOk);
  logger->sinks().pop_back();
  logger->set_level(level);
  const std::string text = captured.str();
  size_t lines = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    ++lines;
    EXPECT_NE(line.find("429 limit_requests on key_id="), std::string::npos) << line;
    EXPECT_NE(line.find("permit at epoch"), std::string::npos) << line;
    EXPECT_NE(line.find("written +3 ms"), std::string::npos) << line;
    EXPECT_NE(line.find("margin "), std::string::npos) << line;
    EXPECT_NE(line.find("permits before it: "), std::string::npos) << line;
  }
  EXPECT_EQ(lines, 2u) << text;  // two refused calls, one line each
  EXPECT_EQ(text.find("secret-"), std::string::npos) << text;
}

// The permit → provider spread the margin learns ends when the body has been
// written, not when the send began: a big crop takes longer to go out.
TEST_F(DispatcherTest, TheMarginLearnsTheSpreadUpToTheWrittenBody) {
  llm_.before_written = [this] { clock_.advance(milliseconds(30)); };
  // The margin takes the 99th percentile of the last 256 (the third largest).
  for (const auto& result : run({make_task("t1"), make_task("t2"), make_task("t3")})) {
    EXPECT_EQ(result.status, ResultStatus::kOk);
  }
  // Observed on the key thread, after the call.
  EXPECT_TRUE(testing::eventually([&] { return pool_.margin() == milliseconds(30); }))
      << pool_.margin().count();
}

// The task a permit was sized for may be superseded while the permit is
// taken; a newer frame whose picture costs more tokens must not go out on a
// charge that does not cover it (it would overrun the provider's tokens per
// minute before the reply's usage corrects the charge).
TEST_F(DispatcherTest, APermitIsNotSpentOnADearerTaskThanItWasSizedFor) {
  config::ApiKeyConfig k = key("a");
  k.tpm_limit = 1'000'000;
  pool_.configure({k}, {});
  auto small = make_task("small", 60'000, "g");
  small.imageBase64 = base64_encode(llm::testing::jpeg_header(96, 64));
  auto large = make_task("large", 60'000, "g");
  large.imageBase64 = base64_encode(llm::testing::jpeg_header(1280, 720));
  create();
  std::future<messages::AssessmentResult> large_done;
  // While the dispatcher takes the small task's permit, the large frame of
  // the same group supersedes it.
  std::atomic<bool> superseded{false};
  limiter_.on_next_acquire = [&] {
    large_done = submit(large);
    superseded = true;
  };
  std::vector<int64_t> charged_at_call;  // tokens in the window as each call starts
  std::vector<int64_t> prompt_at_call;   // the prompt tokens of that call
  llm_.on_call = [&](const llm::ChatRequest& request) {
    charged_at_call.push_back(limiter_.permits_left("a").tokens_used);
    prompt_at_call.push_back(llm::prompt_tokens(request, llm::TokenRule{}));
  };
  auto small_done = submit(small);
  dispatcher_->start();
  ASSERT_TRUE(testing::eventually([&] { return superseded.load(); }));
  for (int step = 0; step < 200; ++step) {
    if (large_done.wait_for(std::chrono::milliseconds(5)) == std::future_status::ready) break;
    clock_.advance(milliseconds(50));
  }
  EXPECT_EQ(large_done.get().status, ResultStatus::kOk);
  EXPECT_EQ(small_done.get().code, "superseded");
  dispatcher_->stop(Millis(1000));
  ASSERT_EQ(prompt_at_call.size(), 1u);
  EXPECT_GT(prompt_at_call[0], 1'000);  // the large crop: about 1,200 image tokens
  EXPECT_GE(charged_at_call[0], prompt_at_call[0]);
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

TEST_F(DispatcherTest, WaitingTaskIsAliveJustBeforeItsDeadlineAndExpiredAtIt) {
  start();
  limiter_.cool_down("a", std::chrono::minutes(5));
  limiter_.cool_down("b", std::chrono::minutes(5));
  auto result = submit(make_task("late", 10'000));
  step_to(milliseconds(9'999));
  EXPECT_EQ(dispatcher_->queued(), 1u);  // the loop saw 9.999 s: still waiting
  EXPECT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  step_to(milliseconds(10'000));
  ASSERT_EQ(result.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const auto expired = result.get();
  EXPECT_EQ(expired.status, ResultStatus::kExpired);
  EXPECT_EQ(expired.code, "deadline_exceeded");
  EXPECT_TRUE(llm_.calls.empty());
}

TEST_F(DispatcherTest, NextPermitIsUsedExactlyWhenTheWindowFrees) {
  pool_.configure({key("a", 1)}, {});  // one call per second
  start();
  auto first = submit(make_task("first"));
  ASSERT_TRUE(testing::eventually([&] { return llm_.call_count() == 1; }));
  auto second = submit(make_task("second"));
  step_to(milliseconds(999));
  EXPECT_EQ(dispatcher_->queued(), 1u);  // the loop saw 0.999 s and was denied
  EXPECT_EQ(llm_.call_count(), 1u);
  step_to(milliseconds(1'000));
  EXPECT_TRUE(testing::eventually([&] { return llm_.call_count() == 2; }));
  EXPECT_EQ(second.get().status, ResultStatus::kOk);
  EXPECT_EQ(first.get().status, ResultStatus::kOk);
}

TEST_F(DispatcherTest, QueueIsBoundedInBytesAsWellAsCount) {
  DispatcherOptions options;
  options.queue_size = 100;
  options.queue_max_bytes = 10'000;
  start(options);
  limiter_.cool_down("a", std::chrono::minutes(5));
  limiter_.cool_down("b", std::chrono::minutes(5));
  auto task = make_task("big");
  task.imageBase64 = std::string(6'000, 'A');
  auto big = submit(task);
  EXPECT_FALSE(dispatcher_->saturated());
  task.taskId = task.groupId = "bigger";
  auto bigger = submit(task);
  EXPECT_TRUE(dispatcher_->saturated());  // two images pass 10,000 bytes; two tasks do not pass 100
  EXPECT_GE(dispatcher_->stats().queued_bytes, 12'000u);
}

TEST_F(DispatcherTest, FallbackModelServesWhenThePreferredOneWouldMissTheDeadline) {
  KeyPoolSettings s = settings();
  s.fallback_models = {"qwen-vl-max"};
  s.model = "qwen-vl-plus";
  pool_.set_settings(s);
  pool_.configure({key("a")}, {});
  start();
  // Every account's primary-model windows are resting; the fallback's are not.
  limiter_.cool_down("a", std::chrono::minutes(5));
  const auto result = run({make_task("t", 10'000)})[0];
  EXPECT_EQ(result.status, ResultStatus::kOk);
  EXPECT_EQ(result.metadata.llmModel, "qwen-vl-max");
  ASSERT_EQ(llm_.models.size(), 1u);
  EXPECT_EQ(llm_.models[0], "qwen-vl-max");
}

TEST_F(DispatcherTest, StatsAreTheExportedCounters) {
  llm_.scripts["secret-a"] = {failure(llm::CallErrorKind::kBadRequest)};
  llm_.scripts["secret-b"] = {failure(llm::CallErrorKind::kBadRequest)};
  run({make_task("t1"), make_task("t2")});
  const DispatcherStats stats = dispatcher_->stats();
  EXPECT_EQ(stats.submitted, 2);
  EXPECT_EQ(stats.errors, 2);
  EXPECT_EQ(stats.errors_by_code.at("bad_request"), 2);
  EXPECT_EQ(metrics_.results.Add({{"status", "error"}}).Value(), 2);
  EXPECT_EQ(metrics_.submitted.Value(), 2);
}

}  // namespace
}  // namespace tmon::schedule
