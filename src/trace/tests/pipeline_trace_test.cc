#include "trace/pipeline_trace.h"

#include <gtest/gtest.h>

namespace tmon::trace {
namespace {

using messages::ResultStatus;

messages::DetectionResult frame(const std::string& camera, const std::string& request) {
  messages::DetectionResult frame;
  frame.cameraId = camera;
  frame.requestId = request;
  frame.captureTs = 1'000;
  frame.detectedTs = 1'030;
  return frame;
}

messages::AssessmentTask task(const std::string& camera, const std::string& request, int group,
                              int of) {
  messages::AssessmentTask task;
  task.cameraId = camera;
  task.requestId = request;
  task.taskId = request + ":g" + std::to_string(group);
  task.captureTs = 1'000;
  task.createdTs = 1'050;
  task.frameTaskCount = of;
  return task;
}

messages::AssessmentResult result(const messages::AssessmentTask& task,
                                  ResultStatus status = ResultStatus::kOk) {
  messages::AssessmentResult result;
  result.cameraId = task.cameraId;
  result.requestId = task.requestId;
  result.taskId = task.taskId;
  result.captureTs = task.captureTs;
  result.completedTs = 1'900;
  result.status = status;
  result.metadata.llmLatencyMs = 800;
  return result;
}

messages::FrameView view(const std::string& camera, const std::string& request, bool partial) {
  messages::FrameView view;
  view.cameraId = camera;
  view.requestId = request;
  view.captureTs = 1'000;
  view.storedTs = 2'000;
  view.partial = partial;
  messages::ResultMetadata metadata;
  metadata.llmLatencyMs = 850;
  view.tasks = {{"t", "g", 1, ResultStatus::kOk, "", "", metadata}};
  return view;
}

PipelineTrace bench_trace() {
  return PipelineTrace({[](const std::string& camera) { return camera.starts_with("bench-"); },
                        false});
}

TEST(PipelineTraceTest, FollowsAFrameThroughItsTasksResultsAndView) {
  PipelineTrace trace = bench_trace();
  const auto first = task("bench-1", "r1", 1, 2);
  const auto second = task("bench-1", "r1", 2, 2);
  EXPECT_TRUE(trace.frame_seen(frame("bench-1", "r1"), 10));
  EXPECT_TRUE(trace.task_seen(first, 20));
  EXPECT_TRUE(trace.task_seen(second, 21));
  EXPECT_TRUE(trace.result_seen(result(first), 30));
  EXPECT_EQ(trace.awaiting_view(), std::vector<std::string>{});  // the second is still out
  EXPECT_EQ(trace.unsettled().tasks, 1);
  EXPECT_TRUE(trace.result_seen(result(second, ResultStatus::kExpired), 31));
  EXPECT_EQ(trace.awaiting_view(), std::vector<std::string>{"r1"});
  EXPECT_TRUE(trace.view_seen(view("bench-1", "r1", false)));
  EXPECT_TRUE(trace.unsettled().settled());

  const FrameTrace& traced = trace.frames().at("r1");
  EXPECT_EQ(*traced.seen_ms, 10);
  EXPECT_EQ(traced.detected_ts, 1'030);
  EXPECT_EQ(traced.expected_tasks, 2);
  EXPECT_EQ(traced.tasks_seen, 2);
  EXPECT_TRUE(traced.stored);
  EXPECT_EQ(traced.stored_ts, 2'000);
  EXPECT_EQ(traced.max_llm_ms, 850);
  EXPECT_EQ(trace.tasks().at(first.taskId).first_result()->llm_ms, 800);
  const TraceTotals& totals = trace.totals();
  EXPECT_EQ(totals.frames, 1);
  EXPECT_EQ(totals.tasks, 2);
  EXPECT_EQ(totals.results, 2);
  EXPECT_EQ(totals.ok_results, 1);
  EXPECT_EQ(totals.views, 1);
  EXPECT_EQ(totals.in_flight(), 0);
}

TEST(PipelineTraceTest, OthersCamerasAndRedeliveriesAreNotRecorded) {
  PipelineTrace trace = bench_trace();
  EXPECT_FALSE(trace.frame_seen(frame("cam-01", "x"), 1));
  EXPECT_TRUE(trace.frame_seen(frame("bench-1", "r1"), 1));
  EXPECT_FALSE(trace.frame_seen(frame("bench-1", "r1"), 2));
  const auto t = task("bench-1", "r1", 1, 1);
  EXPECT_TRUE(trace.task_seen(t, 3));
  EXPECT_FALSE(trace.task_seen(t, 4));
  EXPECT_TRUE(trace.view_seen(view("bench-1", "r1", true)));
  EXPECT_FALSE(trace.view_seen(view("bench-1", "r1", false)));  // published once
  EXPECT_TRUE(trace.frames().at("r1").partial);
  EXPECT_EQ(trace.totals().frames, 1);
  EXPECT_EQ(trace.totals().tasks, 1);
  EXPECT_EQ(trace.totals().partial_views, 1);
  EXPECT_FALSE(trace.frames().contains("x"));
}

TEST(PipelineTraceTest, ResultsMayComeFirstAndTwiceIsADuplicate) {
  PipelineTrace trace = bench_trace();
  const auto t = task("bench-1", "r1", 1, 1);
  EXPECT_TRUE(trace.result_seen(result(t), 5));
  EXPECT_EQ(trace.totals().results, 1);
  EXPECT_FALSE(trace.tasks().at(t.taskId).seen_ms);
  EXPECT_TRUE(trace.task_seen(t, 6));
  EXPECT_TRUE(trace.result_seen(result(t), 7));
  EXPECT_EQ(trace.totals().duplicate_results, 1);
  EXPECT_EQ(trace.tasks().at(t.taskId).results.size(), 2u);
}

TEST(PipelineTraceTest, InjectedOnlyIgnoresFramesItDidNotPutIn) {
  PipelineTrace trace({[](const std::string& camera) { return camera == "probe"; }, true});
  trace.injected("mine", "probe", 1'000, 100);
  EXPECT_TRUE(trace.frame_seen(frame("probe", "mine"), 110));
  EXPECT_FALSE(trace.frame_seen(frame("probe", "someone-elses"), 111));
  EXPECT_FALSE(trace.task_seen(task("probe", "someone-elses", 1, 1), 112));
  EXPECT_FALSE(trace.frame_seen(frame("other", "x"), 113));  // another camera: not even counted
  EXPECT_EQ(trace.totals().ignored, 2);
  EXPECT_EQ(*trace.frames().at("mine").injected_ms, 100);
  EXPECT_FALSE(trace.frames().contains("someone-elses"));
}

TEST(PipelineTraceTest, AFrameKnownStoredButNeverSeenSettles) {
  PipelineTrace trace = bench_trace();
  const auto t = task("bench-1", "r1", 1, 1);
  trace.task_seen(t, 1);
  trace.result_seen(result(t), 2);
  EXPECT_EQ(trace.unsettled().frames, 1);
  EXPECT_TRUE(trace.view_gone("r1"));
  EXPECT_FALSE(trace.view_gone("r1"));
  EXPECT_TRUE(trace.unsettled().settled());
  EXPECT_EQ(trace.frames().at("r1").stored_ts, 0);
}

}  // namespace
}  // namespace tmon::trace
