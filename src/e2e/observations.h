#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "e2e/e2e_report.h"
#include "messages/messages.h"

namespace tmon::e2e {

// A frame's merged view as the aggregator stored it (aggregate/frame_view.cc).
struct StoredView {
  std::string camera_id;
  std::string request_id;
  int64_t capture_ts = 0;
  int64_t stored_ts = 0;
  bool partial = false;
  int expected_results = 0;
  int received_results = 0;
};

// The fields the check needs from a view, or nullopt when it is not one.
std::optional<StoredView> parse_view(const nlohmann::json& view);
std::optional<StoredView> parse_view_text(std::string_view json);

// What one check run saw of its own frames, in the order it saw it, and the
// verdict on it. Pure: times are epoch ms passed in by the caller, so the
// verdict is testable without a pipeline.
//
// Only messages of this run count: a message of another camera, or of this
// camera but a frame this run did not inject, is ignored (and counted).
// Messages may arrive in any order across topics (a result before its task).
// Not thread-safe.
class Observations {
 public:
  explicit Observations(std::string camera_id) : camera_id_(std::move(camera_id)) {}

  // A frame about to be produced, captured at capture_ts.
  void injected(const std::string& request_id, int64_t capture_ts, int64_t at_ms);
  void injection_failed(const std::string& reason) { inject_errors_.push_back(reason); }
  // No further frame will be injected.
  void injection_done() { injection_done_ = true; }

  // Each returns false when the message is not this run's (ignored).
  bool frame_seen(const messages::DetectionResult& frame, int64_t at_ms);
  bool task_seen(const messages::AssessmentTask& task, int64_t at_ms);
  bool result_seen(const messages::AssessmentResult& result, int64_t at_ms);
  bool view_seen(const StoredView& view);

  // Everything this run injected has gone as far as it can: every frame was
  // seen, every task it announced (frameTaskCount) was seen and has a
  // result, and every frame with tasks has its view. A frame without tasks is
  // done once a later frame has tasks (generate handles a camera in order)
  // or settle_ms after it was seen. Never true before the first task: with
  // no task at all, the caller waits for its timeout.
  bool complete(int64_t now_ms, int64_t settle_ms) const;

  // Frames that have all their results but no stored view yet.
  std::vector<std::string> awaiting_view() const;
  // The earliest capture time injected (0 if none): where to read history from.
  int64_t first_capture_ts() const;

  // One line for the progress stream.
  std::string progress_line() const;

  // The verdict, with counts and per-stage latency. `timed_out`: the wait
  // ended at the timeout of `timeout_seconds`, not because all arrived.
  E2eReport evaluate(bool timed_out, double timeout_seconds) const;

 private:
  struct Frame {
    int64_t capture_ts = 0;
    int64_t injected_ms = 0;
    std::optional<int64_t> seen_ms;
    int expected_tasks = 0;  // frameTaskCount of its tasks; 0 while none seen
  };
  struct Task {
    std::string request_id;
    int64_t capture_ts = 0;
    int64_t created_ts = 0;
  };
  struct Outcome {
    messages::ResultStatus status = messages::ResultStatus::kOk;
    std::string code;
    int64_t completed_ts = 0;
    int64_t llm_latency_ms = 0;
    int64_t queue_wait_ms = 0;
  };

  bool ours(const std::string& camera_id, const std::string& request_id);
  std::vector<std::string> tasks_of(const std::string& request_id) const;
  bool frame_done(const std::string& request_id, const Frame& frame, int64_t now_ms,
                  int64_t settle_ms) const;
  void add_latencies(E2eReport& report) const;

  std::string camera_id_;
  std::map<std::string, Frame> frames_;                  // by requestId
  std::vector<std::string> order_;                       // requestIds in injection order
  std::map<std::string, Task> tasks_;                    // by taskId
  std::map<std::string, std::vector<Outcome>> results_;  // by taskId, in arrival order
  std::map<std::string, StoredView> views_;              // by requestId
  std::vector<std::string> inject_errors_;
  bool injection_done_ = false;
  int ignored_ = 0;
};

}  // namespace tmon::e2e
