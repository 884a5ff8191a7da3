// Google Benchmark micro-benchmarks of the hot paths: permits, the task
// queue, message codecs (frames, results, merged views, /ws frames) and the
// reply parser. They print numbers; nothing
// here asserts a time. Run: build/benchmarks/tmon_micro_benchmarks
#include <benchmark/benchmark.h>

#include "api/detection_message.h"
#include "common/base64.h"
#include "llm/response_parser.h"
#include "llm/token_estimate.h"
#include "messages/codec.h"
#include "messages/frame_view.h"
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

// A busy frame as detection makes it: 12 road users in 3 groups, each group
// with a ~6 KB crop, and a ~15 KB annotated thumbnail.
messages::DetectionResult sample_frame() {
  messages::DetectionResult frame;
  frame.cameraId = messages::CameraId::integer(3);
  frame.requestId = "3-1700000000000-42";
  frame.captureTs = 1'700'000'000'000;
  frame.detectedTs = frame.captureTs + 12;
  frame.imageWidth = 640;
  frame.imageHeight = 360;
  frame.modelType = "motion";
  for (int i = 0; i < 12; ++i) {
    const double x = 40.0 * i;
    frame.detectedObjects.push_back(
        {100 + i, i % 4 == 0 ? "person" : "car", i % 4 == 0 ? 0 : 2, 0.8, {x, 100, x + 35, 130}});
  }
  for (int g = 0; g < 3; ++g) {
    const int first = 100 + 4 * g;
    frame.trafficGroups.push_back({g + 1,
                                   "3-g" + std::to_string(g + 1),
                                   {first, first + 1, first + 2, first + 3},
                                   {160.0 * g, 100, 160.0 * g + 155, 130},
                                   {},
                                   {}});
    frame.groupImages.push_back(
        {g + 1, "3-g" + std::to_string(g + 1), std::string(6'000, 'A'), 170, 40});
  }
  frame.thumbnailBase64 = std::string(15'000, 'B');
  return frame;
}

// The frame's merged view as the aggregator makes it, all three groups assessed.
messages::FrameView sample_view() {
  messages::FrameView view;
  view.detection = sample_frame();
  view.detection->thumbnailBase64.clear();
  view.cameraId = view.detection->cameraId;
  view.requestId = view.detection->requestId;
  view.captureTs = view.detection->captureTs;
  view.storedTs = view.captureTs + 1'100;
  view.expectedResults = 3;
  view.maxRiskLevel = messages::RiskLevel::kHigh;
  view.hasDangerousDriving = true;
  for (const auto& group : view.detection->trafficGroups) {
    const std::string task = view.requestId + ":" + group.groupId;
    view.results.push_back({sample_result().riskAssessment->results[0], group.groupId, task});
    view.tasks.push_back({task, group.groupId, group.groupIndex, messages::ResultStatus::kOk, "",
                          "", sample_result().metadata});
  }
  return view;
}

void BM_DetectionEncode(benchmark::State& state) {
  const auto frame = sample_frame();
  for (auto _ : state) benchmark::DoNotOptimize(messages::encode(frame));
}
BENCHMARK(BM_DetectionEncode);

void BM_DetectionDecode(benchmark::State& state) {
  const std::string json = messages::encode(sample_frame());
  for (auto _ : state) benchmark::DoNotOptimize(messages::decode_detection_result(json));
}
BENCHMARK(BM_DetectionDecode);

// What the aggregator writes per frame: the view, and the view without crops.
void BM_FrameViewEncodeBoth(benchmark::State& state) {
  const auto view = sample_view();
  for (auto _ : state) {
    benchmark::DoNotOptimize(messages::encode(view));
    benchmark::DoNotOptimize(messages::encode(view, messages::ViewImages::kOmit));
  }
}
BENCHMARK(BM_FrameViewEncodeBoth);

// What each API process does once per published view.
void BM_FrameViewDecode(benchmark::State& state) {
  const std::string json = messages::encode(sample_view());
  for (auto _ : state) benchmark::DoNotOptimize(messages::decode_frame_view(json));
}
BENCHMARK(BM_FrameViewDecode);

// /ws, once per frame of a watched camera: the frame with its newest assessment.
void BM_WsDetectionResult(benchmark::State& state) {
  const auto frame = sample_frame();
  const auto view = sample_view();
  const std::vector<std::string> classes{"person", "car", "truck"};
  for (auto _ : state) {
    benchmark::DoNotOptimize(messages::dump(
        api::detection_result_data(frame, &view, classes, frame.captureTs + 2'000)));
  }
}
BENCHMARK(BM_WsDetectionResult);

}  // namespace
}  // namespace tmon

BENCHMARK_MAIN();
