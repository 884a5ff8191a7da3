#include "e2e/observations.h"

#include <fmt/format.h>

#include <algorithm>

namespace tmon::e2e {

using nlohmann::json;

std::optional<StoredView> parse_view(const json& view) {
  if (!view.is_object()) return std::nullopt;
  const auto text = [&](const char* field) {
    const auto it = view.find(field);
    return it != view.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const auto number = [&](const char* field) {
    const auto it = view.find(field);
    return it != view.end() && it->is_number_integer() ? it->get<int64_t>() : int64_t{0};
  };
  StoredView out;
  out.camera_id = text("cameraId");
  out.request_id = text("requestId");
  out.capture_ts = number("captureTs");
  out.stored_ts = number("storedTs");
  out.partial = view.value("partial", false);
  out.expected_results = static_cast<int>(number("expectedResults"));
  out.received_results = static_cast<int>(number("receivedResults"));
  if (out.camera_id.empty() || out.request_id.empty() || out.stored_ts == 0) return std::nullopt;
  return out;
}

std::optional<StoredView> parse_view_text(std::string_view text) {
  const json view = json::parse(text, nullptr, false);
  if (view.is_discarded()) return std::nullopt;
  return parse_view(view);
}

void Observations::injected(const std::string& request_id, int64_t capture_ts, int64_t at_ms) {
  if (frames_.emplace(request_id, Frame{capture_ts, at_ms, std::nullopt, 0}).second) {
    order_.push_back(request_id);
  }
}

bool Observations::ours(const std::string& camera_id, const std::string& request_id) {
  if (camera_id == camera_id_ && frames_.contains(request_id)) return true;
  if (camera_id == camera_id_) ++ignored_;
  return false;
}

bool Observations::frame_seen(const messages::DetectionResult& frame, int64_t at_ms) {
  if (!ours(frame.cameraId, frame.requestId)) return false;
  auto& seen = frames_.at(frame.requestId).seen_ms;
  if (!seen) seen = at_ms;
  return true;
}

bool Observations::task_seen(const messages::AssessmentTask& task, int64_t /*at_ms*/) {
  if (!ours(task.cameraId, task.requestId)) return false;
  tasks_.emplace(task.taskId, Task{task.requestId, task.captureTs, task.createdTs});
  frames_.at(task.requestId).expected_tasks = task.frameTaskCount;
  return true;
}

bool Observations::result_seen(const messages::AssessmentResult& result, int64_t /*at_ms*/) {
  if (!ours(result.cameraId, result.requestId)) return false;
  results_[result.taskId].push_back({result.status, result.code, result.completedTs,
                                     result.metadata.llmLatencyMs, result.metadata.queueWaitMs});
  return true;
}

bool Observations::view_seen(const StoredView& view) {
  if (!ours(view.camera_id, view.request_id)) return false;
  views_.emplace(view.request_id, view);  // a view is published once; keep the first
  return true;
}

std::vector<std::string> Observations::tasks_of(const std::string& request_id) const {
  std::vector<std::string> ids;
  for (const auto& [id, task] : tasks_) {
    if (task.request_id == request_id) ids.push_back(id);
  }
  return ids;
}

bool Observations::frame_done(const std::string& request_id, const Frame& frame, int64_t now_ms,
                              int64_t settle_ms) const {
  if (!frame.seen_ms) return false;
  if (frame.expected_tasks == 0) {
    // No task (yet): settled once generate has moved past it.
    const auto later = std::find(order_.begin(), order_.end(), request_id);
    const bool later_has_tasks = std::any_of(later, order_.end(), [&](const std::string& id) {
      return frames_.at(id).expected_tasks > 0;
    });
    return later_has_tasks || now_ms - *frame.seen_ms >= settle_ms;
  }
  const auto ids = tasks_of(request_id);
  if (static_cast<int>(ids.size()) < frame.expected_tasks) return false;
  for (const auto& id : ids) {
    if (!results_.contains(id)) return false;
  }
  return views_.contains(request_id);
}

bool Observations::complete(int64_t now_ms, int64_t settle_ms) const {
  if (!injection_done_ || tasks_.empty()) return false;
  return std::all_of(order_.begin(), order_.end(), [&](const std::string& id) {
    return frame_done(id, frames_.at(id), now_ms, settle_ms);
  });
}

std::vector<std::string> Observations::awaiting_view() const {
  std::vector<std::string> waiting;
  for (const auto& id : order_) {
    const auto ids = tasks_of(id);
    if (ids.empty() || views_.contains(id)) continue;
    if (std::all_of(ids.begin(), ids.end(), [&](const auto& t) { return results_.contains(t); })) {
      waiting.push_back(id);
    }
  }
  return waiting;
}

int64_t Observations::first_capture_ts() const {
  int64_t first = 0;
  for (const auto& [id, frame] : frames_) {
    if (first == 0 || frame.capture_ts < first) first = frame.capture_ts;
  }
  return first;
}

std::string Observations::progress_line() const {
  int seen = 0;
  for (const auto& [id, frame] : frames_) seen += frame.seen_ms ? 1 : 0;
  return fmt::format("injected {}, seen {}, tasks {}, results {}, views {}", frames_.size(), seen,
                     tasks_.size(), results_.size(), views_.size());
}

}  // namespace tmon::e2e
