#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "messages/frame_view.h"
#include "messages/messages.h"

namespace tmon::trace {

// A frame followed through the pipeline: seen on detection-results, its
// tasks on assessment-tasks, its merged view in the store. Times *_ms are
// epoch ms, when the follower saw something (the message's own times are
// its captureTs, detectedTs, ...).
struct FrameTrace {
  std::string camera_id;
  int64_t capture_ts = 0;
  int64_t detected_ts = 0;
  std::optional<int64_t> injected_ms;  // when a check put it in (tmon e2e-test)
  std::optional<int64_t> seen_ms;      // first seen on detection-results
  int expected_tasks = 0;              // frameTaskCount of its tasks; 0 while none seen
  int tasks_seen = 0;
  // Its merged view, once seen.
  bool stored = false;
  int64_t stored_ts = 0;  // 0: stored (its published flag says so) but the view not seen
  bool partial = false;
  int64_t max_llm_ms = 0;  // the slowest of its tasks' LLM calls
  // The Kafka hop of its last result into the aggregator, from the view
  // (epoch ms, 0: unknown).
  int64_t last_result_produced_ts = 0;
  int64_t last_result_received_ts = 0;
};

// What one result said of its task.
struct ResultTrace {
  messages::ResultStatus status = messages::ResultStatus::kOk;
  std::string code;
  int64_t completed_ts = 0;
  int64_t llm_ms = 0;
  int64_t queue_wait_ms = 0;
  int64_t seen_ms = 0;
  // The task's Kafka hop into the scheduler (epoch ms, 0: unknown).
  int64_t task_produced_ts = 0;
  int64_t task_received_ts = 0;
};

// A task followed from assessment-tasks to its result(s).
struct TaskTrace {
  std::string request_id;
  int64_t capture_ts = 0;
  int64_t created_ts = 0;
  std::optional<int64_t> seen_ms;    // on assessment-tasks; empty: only its result was seen
  std::vector<ResultTrace> results;  // in arrival order: exactly one when all went well

  const ResultTrace* first_result() const { return results.empty() ? nullptr : &results.front(); }
};

struct TraceTotals {
  int64_t frames = 0;   // seen on detection-results
  int64_t tasks = 0;    // seen on assessment-tasks
  int64_t results = 0;  // tasks with a result
  int64_t ok_results = 0;
  int64_t duplicate_results = 0;
  int64_t views = 0;
  int64_t partial_views = 0;
  int64_t ignored = 0;  // messages of a followed camera but a frame not injected here
  int64_t in_flight() const { return tasks - results; }
};

// Follows frames -> tasks -> results -> views, the one record that both
// `tmon bench` and `tmon e2e-test` keep. Pure: callers decode the messages
// and say when they saw them. Messages may arrive in any order across topics
// (a task before its frame, a result before its task). Not thread-safe.
class PipelineTrace {
 public:
  struct Options {
    // Whose messages count; others are left out without a word.
    std::function<bool(const std::string& camera_id)> follows;
    // Count only frames announced by injected(): another source using the
    // same camera id is then ignored (and counted), not mistaken for ours.
    bool injected_only = false;
  };
  explicit PipelineTrace(Options options);

  // A frame about to be produced by the follower itself.
  void injected(const std::string& request_id, const std::string& camera_id, int64_t capture_ts,
                int64_t at_ms);

  // Each returns true when the message was recorded: it is followed, and
  // news (not a redelivery of something seen).
  bool frame_seen(const messages::DetectionResult& frame, int64_t at_ms);
  bool task_seen(const messages::AssessmentTask& task, int64_t at_ms);
  // A second result for a task is recorded too (and counted a duplicate).
  bool result_seen(const messages::AssessmentResult& result, int64_t at_ms);
  bool view_seen(const messages::FrameView& view);
  // A frame known stored (its published flag) whose view was never seen.
  bool view_gone(const std::string& request_id);

  const std::map<std::string, FrameTrace>& frames() const { return frames_; }  // by requestId
  const std::map<std::string, TaskTrace>& tasks() const { return tasks_; }     // by taskId
  const TraceTotals& totals() const { return totals_; }

  // The tasks of a frame that were seen.
  std::vector<std::string> tasks_of(const std::string& request_id) const;
  // Frames with tasks whose every task has a result, but no view yet.
  std::vector<std::string> awaiting_view() const;
  // Tasks without a result, and frames with tasks not yet stored.
  struct Unsettled {
    int64_t tasks = 0;
    int64_t frames = 0;
    bool settled() const { return tasks == 0 && frames == 0; }
  };
  Unsettled unsettled() const;

 private:
  // The frame's record when its messages count, else null.
  FrameTrace* frame_of(const std::string& camera_id, const std::string& request_id,
                       int64_t capture_ts);

  Options options_;
  std::map<std::string, FrameTrace> frames_;
  std::map<std::string, TaskTrace> tasks_;
  TraceTotals totals_;
};

}  // namespace tmon::trace
