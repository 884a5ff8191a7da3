#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "e2e/e2e_report.h"
#include "messages/frame_view.h"
#include "messages/messages.h"
#include "trace/pipeline_trace.h"

namespace tmon::e2e {

// What one check run saw of its own frames, in the order it saw it, and the
// verdict on it. Pure: times are epoch ms passed in by the caller, so the
// verdict is testable without a pipeline.
//
// Only messages of this run count: a message of another camera, or of this
// camera but a frame this run did not inject, is ignored (and counted).
// Messages may arrive in any order across topics (a result before its task).
// The record is trace::PipelineTrace's, the same `tmon bench` keeps; this
// adds what the check judges by. Not thread-safe.
class Observations {
 public:
  explicit Observations(std::string camera_id);

  // A frame about to be produced, captured at capture_ts.
  void injected(const std::string& request_id, int64_t capture_ts, int64_t at_ms);
  void injection_failed(const std::string& reason) { inject_errors_.push_back(reason); }
  // No further frame will be injected.
  void injection_done() { injection_done_ = true; }

  // Each returns false when the message is not this run's (ignored).
  bool frame_seen(const messages::DetectionResult& frame, int64_t at_ms);
  bool task_seen(const messages::AssessmentTask& task, int64_t at_ms);
  bool result_seen(const messages::AssessmentResult& result, int64_t at_ms);
  bool view_seen(const messages::FrameView& view);

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
  bool frame_done(const std::string& request_id, int64_t now_ms, int64_t settle_ms) const;
  void add_latencies(E2eReport& report) const;

  std::string camera_id_;
  trace::PipelineTrace trace_;
  std::vector<std::string> order_;  // requestIds in injection order
  std::vector<std::string> inject_errors_;
  bool injection_done_ = false;
};

}  // namespace tmon::e2e
