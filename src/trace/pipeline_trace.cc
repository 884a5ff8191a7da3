#include "trace/pipeline_trace.h"

#include <algorithm>

namespace tmon::trace {

PipelineTrace::PipelineTrace(Options options) : options_(std::move(options)) {}

void PipelineTrace::injected(const std::string& request_id, const std::string& camera_id,
                             int64_t capture_ts, int64_t at_ms) {
  FrameTrace& frame = frames_[request_id];
  frame.camera_id = camera_id;
  frame.capture_ts = capture_ts;
  frame.injected_ms = at_ms;
}

FrameTrace* PipelineTrace::frame_of(const std::string& camera_id, const std::string& request_id,
                                    int64_t capture_ts) {
  if (options_.follows && !options_.follows(camera_id)) return nullptr;
  if (options_.injected_only) {
    const auto it = frames_.find(request_id);
    if (it == frames_.end() || !it->second.injected_ms) {
      ++totals_.ignored;
      return nullptr;
    }
    return &it->second;
  }
  FrameTrace& frame = frames_[request_id];
  if (frame.camera_id.empty()) {
    frame.camera_id = camera_id;
    frame.capture_ts = capture_ts;
  }
  return &frame;
}

bool PipelineTrace::frame_seen(const messages::DetectionResult& message, int64_t at_ms) {
  FrameTrace* frame = frame_of(message.cameraId, message.requestId, message.captureTs);
  if (!frame || frame->seen_ms) return false;  // not ours, or a redelivery
  frame->seen_ms = at_ms;
  frame->detected_ts = message.detectedTs;
  ++totals_.frames;
  return true;
}

bool PipelineTrace::task_seen(const messages::AssessmentTask& message, int64_t at_ms) {
  FrameTrace* frame = frame_of(message.cameraId, message.requestId, message.captureTs);
  if (!frame) return false;
  TaskTrace& task = tasks_[message.taskId];  // its result may have come first
  if (task.seen_ms) return false;
  task.request_id = message.requestId;
  task.capture_ts = message.captureTs;
  task.created_ts = message.createdTs;
  task.seen_ms = at_ms;
  frame->expected_tasks = std::max(frame->expected_tasks, message.frameTaskCount);
  ++frame->tasks_seen;
  ++totals_.tasks;
  return true;
}

bool PipelineTrace::result_seen(const messages::AssessmentResult& message, int64_t at_ms) {
  if (!frame_of(message.cameraId, message.requestId, message.captureTs)) return false;
  TaskTrace& task = tasks_[message.taskId];
  if (task.request_id.empty()) {
    task.request_id = message.requestId;
    task.capture_ts = message.captureTs;
  }
  task.results.push_back({message.status, message.code, message.completedTs,
                          message.metadata.llmLatencyMs, message.metadata.queueWaitMs, at_ms,
                          message.metadata.taskProducedTs, message.metadata.taskReceivedTs});
  if (task.results.size() > 1) {
    ++totals_.duplicate_results;
    return true;
  }
  ++totals_.results;
  if (message.status == messages::ResultStatus::kOk) ++totals_.ok_results;
  return true;
}

bool PipelineTrace::view_seen(const messages::FrameView& view) {
  FrameTrace* frame = frame_of(view.cameraId, view.requestId, view.captureTs);
  if (!frame || frame->stored) return false;  // the first view of a frame is its publication
  frame->stored = true;
  frame->stored_ts = view.storedTs;
  frame->partial = view.partial;
  frame->max_llm_ms = view.llmLatencyMs();
  frame->last_result_produced_ts = view.lastResultProducedTs;
  frame->last_result_received_ts = view.lastResultReceivedTs;
  ++totals_.views;
  if (view.partial) ++totals_.partial_views;
  return true;
}

bool PipelineTrace::view_gone(const std::string& request_id) {
  const auto it = frames_.find(request_id);
  if (it == frames_.end() || it->second.stored) return false;
  it->second.stored = true;
  return true;
}

std::vector<std::string> PipelineTrace::tasks_of(const std::string& request_id) const {
  std::vector<std::string> ids;
  for (const auto& [id, task] : tasks_) {
    if (task.request_id == request_id && task.seen_ms) ids.push_back(id);
  }
  return ids;
}

std::vector<std::string> PipelineTrace::awaiting_view() const {
  std::vector<std::string> waiting;
  for (const auto& [id, frame] : frames_) {
    if (frame.stored) continue;
    const auto ids = tasks_of(id);
    if (ids.empty()) continue;
    if (std::all_of(ids.begin(), ids.end(),
                    [&](const auto& task) { return !tasks_.at(task).results.empty(); })) {
      waiting.push_back(id);
    }
  }
  return waiting;
}

PipelineTrace::Unsettled PipelineTrace::unsettled() const {
  Unsettled pending;
  for (const auto& [id, task] : tasks_) pending.tasks += task.results.empty() ? 1 : 0;
  for (const auto& [id, frame] : frames_) {
    pending.frames += frame.tasks_seen > 0 && !frame.stored ? 1 : 0;
  }
  return pending;
}

}  // namespace tmon::trace
