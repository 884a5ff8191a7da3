// The scheduler against tmon's mock provider with faults injected: every task
// ends with exactly one final result, failures are retried on other keys, and
// a revoked key is taken out of rotation.
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <set>

#include "http/client.h"
#include "http/io_threads.h"
#include "llm/openai_client.h"
#include "mockllm/mock_llm_server.h"
#include "schedule/scheduler.h"

namespace tmon {
namespace {

using messages::ResultStatus;

TEST(SchedulerFaultsTest, EveryTaskGetsExactlyOneFinalResult) {
  mockllm::MockLlmOptions mock;
  mock.latency_median_ms = 30;
  mock.latency_sigma = 0.5;
  mock.faults = {.server_error = 0.15, .hang = 0.05, .fenced = 0.1, .prose = 0.1, .malformed = 0.1};
  mock.hang_for = std::chrono::milliseconds(3000);
  mock.seed = 42;
  mock.keys["sk-good-one-00000001"] = {"good-1", "acct-1", {}, false};
  mock.keys["sk-good-two-00000002"] = {"good-2", "acct-2", {}, false};
  mock.keys["sk-revoked-000000003"] = {"revoked", "acct-3", {}, true};
  auto server = mockllm::MockLlmServer::start(mock);
  ASSERT_TRUE(server) << server.error().message;

  schedule::SchedulerSections config;
  std::vector<config::ApiKeyConfig> keys;
  config.scheduler.timeout_seconds = 0.5;  // hangs become client timeouts
  config.scheduler.retry_max_attempts = 3;
  config.scheduler.max_concurrent_tasks = 32;
  for (const auto& [secret, key] : mock.keys) {
    config::ApiKeyConfig k;
    k.id = key.name;
    k.key = secret;
    k.qps_limit = 1000;
    k.rpm_limit = 60'000;
    keys.push_back(k);
  }
  http::IoThreads io(1);
  http::Client http;
  llm::OpenAiCompatibleClient llm(*http::Url::parse((*server)->base_url()), http,
                                  SystemClock::instance());
  auto scheduler = schedule::Scheduler::create(config, "faults", keys, io.context(), llm,
                                               SystemClock::instance());
  ASSERT_TRUE(scheduler) << scheduler.error().message;
  (*scheduler)->start();

  constexpr int kTasks = 300;
  std::mutex mu;
  std::map<std::string, std::vector<messages::AssessmentResult>> results;
  std::promise<void> all_done;
  const int64_t now = SystemClock::instance().epoch_ms();
  for (int i = 0; i < kTasks; ++i) {
    messages::AssessmentTask task;
    task.taskId = "task-" + std::to_string(i);
    task.cameraId = "cam-" + std::to_string(i % 10);
    task.requestId = "req-" + std::to_string(i);
    task.groupId = task.taskId;  // distinct groups: nothing is superseded
    task.captureTs = now;
    task.deadlineTs = now + 30'000;
    task.imageBase64 = "SU1H";
    (*scheduler)->dispatcher().submit(task, [&](messages::AssessmentResult result) {
      std::lock_guard lock(mu);
      results[result.taskId].push_back(std::move(result));
      size_t finished = 0;
      for (const auto& [id, list] : results) finished += list.size();
      if (finished == kTasks) all_done.set_value();
    });
  }
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  (*scheduler)->stop(Millis(1000));

  std::map<std::string, int> by_outcome;
  for (const auto& [id, list] : results) {
    ASSERT_EQ(list.size(), 1u) << id << " got more than one result";
    const auto& r = list[0];
    if (r.status == ResultStatus::kOk) {
      ++by_outcome["ok"];
      EXPECT_TRUE(r.riskAssessment);
    } else {
      ASSERT_TRUE(r.status == ResultStatus::kError || r.status == ResultStatus::kExpired);
      EXPECT_FALSE(r.code.empty());
      ++by_outcome[r.code];
    }
    EXPECT_NE(r.metadata.apiKeyId, "revoked") << "a revoked key produced a result";
  }
  EXPECT_EQ(results.size(), static_cast<size_t>(kTasks));
  // Transient faults are retried away; only malformed replies (final) and
  // the rare task unlucky three times remain errors.
  EXPECT_GT(by_outcome["ok"], kTasks * 8 / 10);
  EXPECT_GT(by_outcome["bad_response"], 0);
  for (const auto& [outcome, count] : by_outcome) {
    EXPECT_TRUE(outcome == "ok" || outcome == "bad_response" || outcome == "server_error" ||
                outcome == "timeout")
        << outcome << " x" << count;
  }
  const auto stats = (*scheduler)->dispatcher().stats();
  EXPECT_GT(stats.retries, 0);
  EXPECT_EQ((*scheduler)->keys().usable(), 2u);  // the revoked key is out
  std::cout << "outcomes:";
  for (const auto& [outcome, count] : by_outcome) std::cout << " " << outcome << "=" << count;
  std::cout << ", retries=" << stats.retries << "\n";
  io.stop();
}

}  // namespace
}  // namespace tmon
