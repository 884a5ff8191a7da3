#include "bench/pipeline_stages.h"

#include <gtest/gtest.h>

namespace tmon::bench {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;

struct Sample {
  std::map<std::string, trace::FrameTrace> frames;
  std::map<std::string, trace::TaskTrace> tasks;
};

// Frame `id` captured at `capture`: detected 10 ms later, its tasks created
// 5 ms after that and produced at once; each task's hop into the scheduler
// takes `task_hop` ms, it is sent 2 ms after receipt, its LLM call takes
// `llm` ms; the frame's last result reaches the aggregator `result_hop` ms
// after it was produced and is stored 1 ms later.
void add_frame(Sample& sample, const std::string& id, int64_t capture,
               const std::vector<std::pair<int64_t, int64_t>>& task_hop_and_llm,
               int64_t result_hop) {
  trace::FrameTrace frame;
  frame.camera_id = "bench-0001";
  frame.capture_ts = capture;
  frame.detected_ts = capture + 10;
  frame.seen_ms = capture + 11;
  frame.tasks_seen = static_cast<int>(task_hop_and_llm.size());
  int64_t last_completed = 0;
  for (size_t t = 0; t < task_hop_and_llm.size(); ++t) {
    const auto [hop, llm] = task_hop_and_llm[t];
    trace::TaskTrace task;
    task.request_id = id;
    task.capture_ts = capture;
    task.created_ts = capture + 15;
    task.seen_ms = capture + 16;
    trace::ResultTrace result;
    result.task_produced_ts = task.created_ts;
    result.task_received_ts = result.task_produced_ts + hop;
    result.llm_ms = llm;
    result.completed_ts = result.task_received_ts + 2 + llm;
    last_completed = std::max(last_completed, result.completed_ts);
    frame.max_llm_ms = std::max(frame.max_llm_ms, llm);
    task.results.push_back(result);
    sample.tasks[id + "-" + std::to_string(t)] = task;
  }
  frame.last_result_produced_ts = last_completed;
  frame.last_result_received_ts = last_completed + result_hop;
  frame.stored = true;
  frame.stored_ts = frame.last_result_received_ts + 1;
  sample.frames[id] = frame;
}

const auto kAll = [](int64_t) { return true; };

TEST(PipelineStagesTest, EachHopIsMeasuredFromItsOwnStamps) {
  Sample sample;
  add_frame(sample, "req-1", kStart, {{4, 1000}}, 6);
  const auto stages = break_down_stages(sample.frames, sample.tasks, kAll, kStart);
  const auto p50 = [&](const char* name) { return stages.stages_ms[name]["p50"].get<double>(); };
  EXPECT_EQ(p50("detection"), 10);
  EXPECT_EQ(p50("detectedToTask"), 5);
  EXPECT_EQ(p50("taskCreatedToProduced"), 0);
  EXPECT_EQ(p50("taskProducedToReceived"), 4);
  EXPECT_EQ(p50("taskReceivedToSent"), 2);
  EXPECT_EQ(p50("taskToSend"), 6);
  EXPECT_EQ(p50("resultProducedToReceived"), 6);
  EXPECT_EQ(p50("resultReceivedToStored"), 1);
  EXPECT_EQ(p50("resultToView"), 7);
  // stored − capture − LLM = 15 + 4 + 2 + 1000 + 6 + 1 − 1000, less 10 of detection.
  EXPECT_EQ(p50("pipelineAfterDetection"), 18);
}

// The slow hop of the slowest frame is named, on the task its view waited
// for (the one whose result came last), not on a sibling.
TEST(PipelineStagesTest, SlowestFramesPinTheTailOnOneHop) {
  Sample sample;
  add_frame(sample, "req-fast", kStart, {{4, 1000}}, 5);
  // Its second task's hop took 300 ms; the first's LLM call was the slowest.
  add_frame(sample, "req-slow", kStart + 2'000, {{3, 1200}, {300, 1000}}, 5);
  const auto stages = break_down_stages(sample.frames, sample.tasks, kAll, kStart, 1);
  ASSERT_EQ(stages.slowest_frames.size(), 1u);
  const auto& slowest = stages.slowest_frames[0];
  EXPECT_EQ(slowest["requestId"], "req-slow");
  EXPECT_DOUBLE_EQ(slowest["captureSeconds"].get<double>(), 2.0);
  // stored − capture − slowest LLM: 15 + 300 + 2 + 1000 + 5 + 1 − 1200.
  EXPECT_DOUBLE_EQ(slowest["pipelineMs"].get<double>(), 123);
  EXPECT_EQ(slowest["lastTask"]["taskProducedToReceived"], 300);
  EXPECT_EQ(slowest["resultProducedToReceived"], 5);
}

// Results of a scheduler that does not stamp its hop (an older tmon, the
// original) leave those stages out instead of counting epoch-sized values.
TEST(PipelineStagesTest, MissingStampsAreLeftOutAndTheWindowApplies) {
  Sample sample;
  add_frame(sample, "req-1", kStart, {{4, 1000}}, 6);
  add_frame(sample, "req-2", kStart + 5'000, {{8, 1000}}, 6);
  for (auto& [id, task] : sample.tasks) task.results[0].task_received_ts = 0;
  const auto stages = break_down_stages(
      sample.frames, sample.tasks, [](int64_t capture) { return capture >= kStart + 1'000; },
      kStart);
  EXPECT_FALSE(stages.stages_ms.contains("taskProducedToReceived"));
  EXPECT_FALSE(stages.stages_ms.contains("taskReceivedToSent"));
  EXPECT_EQ(stages.stages_ms["taskToSend"]["count"], 1);  // req-2 only
  EXPECT_EQ(stages.slowest_frames.size(), 1u);
}

}  // namespace
}  // namespace tmon::bench
