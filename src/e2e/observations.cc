#include "e2e/observations.h"

#include <fmt/format.h>

#include <algorithm>

namespace tmon::e2e {

Observations::Observations(std::string camera_id)
    : camera_id_(std::move(camera_id)),
      trace_({[camera = camera_id_](const std::string& id) { return id == camera; }, true}) {}

void Observations::injected(const std::string& request_id, int64_t capture_ts, int64_t at_ms) {
  if (std::find(order_.begin(), order_.end(), request_id) != order_.end()) return;
  order_.push_back(request_id);
  trace_.injected(request_id, camera_id_, capture_ts, at_ms);
}

bool Observations::frame_seen(const messages::DetectionResult& frame, int64_t at_ms) {
  return trace_.frame_seen(frame, at_ms);
}

bool Observations::task_seen(const messages::AssessmentTask& task, int64_t at_ms) {
  return trace_.task_seen(task, at_ms);
}

bool Observations::result_seen(const messages::AssessmentResult& result, int64_t at_ms) {
  return trace_.result_seen(result, at_ms);
}

bool Observations::view_seen(const messages::FrameView& view) {
  return trace_.view_seen(view);
}

bool Observations::frame_done(const std::string& request_id, int64_t now_ms,
                              int64_t settle_ms) const {
  const trace::FrameTrace& frame = trace_.frames().at(request_id);
  if (!frame.seen_ms) return false;
  if (frame.expected_tasks == 0) {
    // No task (yet): settled once generate has moved past it.
    const auto later = std::find(order_.begin(), order_.end(), request_id);
    const bool later_has_tasks = std::any_of(later, order_.end(), [&](const std::string& id) {
      return trace_.frames().at(id).expected_tasks > 0;
    });
    return later_has_tasks || now_ms - *frame.seen_ms >= settle_ms;
  }
  const auto ids = trace_.tasks_of(request_id);
  if (static_cast<int>(ids.size()) < frame.expected_tasks) return false;
  for (const auto& id : ids) {
    if (!trace_.tasks().at(id).first_result()) return false;
  }
  return frame.stored;
}

bool Observations::complete(int64_t now_ms, int64_t settle_ms) const {
  if (!injection_done_ || trace_.totals().tasks == 0) return false;
  return std::all_of(order_.begin(), order_.end(),
                     [&](const std::string& id) { return frame_done(id, now_ms, settle_ms); });
}

std::vector<std::string> Observations::awaiting_view() const {
  return trace_.awaiting_view();
}

int64_t Observations::first_capture_ts() const {
  int64_t first = 0;
  for (const auto& [id, frame] : trace_.frames()) {
    if (first == 0 || frame.capture_ts < first) first = frame.capture_ts;
  }
  return first;
}

std::string Observations::progress_line() const {
  const auto& totals = trace_.totals();
  return fmt::format("injected {}, seen {}, tasks {}, results {}, views {}", order_.size(),
                     totals.frames, totals.tasks, totals.results, totals.views);
}

}  // namespace tmon::e2e
