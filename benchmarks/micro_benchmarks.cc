// Google Benchmark micro-benchmarks of the hot paths: permits, the task
// queue, message codecs and the reply parser. They print numbers; nothing
// here asserts a time. Run: build/benchmarks/tmon_micro_benchmarks
#include <benchmark/benchmark.h>

#include "common/base64.h"
#include "llm/response_parser.h"
#include "llm/token_estimate.h"
#include "messages/codec.h"
#include "schedule/account_limiter.h"
#include "schedule/task_queue.h"

namespace tmon {
namespace {

void BM_AccountLimiterAcquire(benchmark::State& state) {
  ManualClock clock;
  schedule::AccountLimiter limiter({"a", 1e9, 1'000'000'000, 0});
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter.try_acquire({"a", 1, Millis(10)}, clock.now()));
    clock.advance(std::chrono::microseconds(1));
  }
}
BENCHMARK(BM_AccountLimiterAcquire);

// The common case under load: the account is full and the answer is "wait".
void BM_AccountLimiterDenied(benchmark::State& state) {
  ManualClock clock;
  schedule::AccountLimiter limiter({"a", 10, 600, 0});
  for (int i = 0; i < 10; ++i) limiter.try_acquire({"a", 1, Millis(10)}, clock.now());
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter.try_acquire({"a", 1, Millis(10)}, clock.now()));
  }
}
BENCHMARK(BM_AccountLimiterDenied);

void BM_TaskQueuePushPop(benchmark::State& state) {
  schedule::TaskQueue queue;
  const auto depth = state.range(0);
  int64_t sequence = 0;
  const auto make = [&] {
    schedule::PendingTask task;
    task.task.cameraId = "cam-" + std::to_string(sequence % 50);
    task.task.groupId = "g-" + std::to_string(sequence);
    task.task.captureTs = sequence;
    task.task.deadlineTs = 1'000'000'000 + sequence;
    ++sequence;
    return task;
  };
  for (int64_t i = 0; i < depth; ++i) queue.push(make());
  for (auto _ : state) {
    queue.push(make());
    benchmark::DoNotOptimize(queue.pop_ready(0));
  }
}
BENCHMARK(BM_TaskQueuePushPop)->Arg(100)->Arg(10'000);

// What a task costs before it is queued: its prompt's tokens (the image's
// frame header read from base64, the text counted).
void BM_PromptTokens(benchmark::State& state) {
  llm::ChatRequest request;
  request.system_prompt = std::string(900, 'x');
  request.user_text = std::string(300, 'y');
  std::string jpeg = {'\xFF', '\xD8', '\xFF', '\xC0', 0, 17, 8, 2, static_cast<char>(208), 5, 0, 3};
  jpeg += std::string(static_cast<size_t>(state.range(0)), '\x55');
  request.image_base64 = base64_encode(jpeg);
  for (auto _ : state) benchmark::DoNotOptimize(llm::prompt_tokens(request, llm::TokenRule{}));
}
BENCHMARK(BM_PromptTokens)->Arg(2'000)->Arg(90'000);

messages::AssessmentResult sample_result() {
  messages::AssessmentResult result;
  result.taskId = "cam-01-1700000000000-42:cam-01-g12";
  result.cameraId = "cam-01";
  result.requestId = "cam-01-1700000000000-42";
  result.captureTs = 1'700'000'000'000;
  messages::RiskAssessment assessment;
  assessment.hasDangerousDriving = true;
  assessment.maxRiskLevel = messages::RiskLevel::kHigh;
  assessment.results.push_back(
      {0, messages::RiskLevel::kHigh, 0.9, {"人车冲突"}, "车辆与行人距离过近", 2, {12, 13}});
  result.riskAssessment = assessment;
  result.metadata = {877, 0, 1, "key-1", "qwen-vl-plus", 2613, 69, 2682, "scheduler-1"};
  return result;
}

void BM_ResultEncode(benchmark::State& state) {
  const auto result = sample_result();
  for (auto _ : state) benchmark::DoNotOptimize(messages::encode(result));
}
BENCHMARK(BM_ResultEncode);

void BM_ResultDecode(benchmark::State& state) {
  const std::string json = messages::encode(sample_result());
  for (auto _ : state) benchmark::DoNotOptimize(messages::decode_assessment_result(json));
}
BENCHMARK(BM_ResultDecode);

void BM_ParseProseWrappedReply(benchmark::State& state) {
  const std::string reply = "根据图片分析，结果如下：\n```json\n" +
                            messages::encode(*sample_result().riskAssessment) + "\n```\n以上。";
  for (auto _ : state) benchmark::DoNotOptimize(llm::parse_risk_assessment(reply, 0));
}
BENCHMARK(BM_ParseProseWrappedReply);

}  // namespace
}  // namespace tmon

BENCHMARK_MAIN();
