#include "bench/pipeline_stages.h"

#include <algorithm>
#include <vector>

#include "bench/stats.h"

namespace tmon::bench {
namespace {

using nlohmann::json;

// A difference of two epoch-ms stamps, or nothing when either is unknown.
std::optional<double> between(int64_t from, int64_t to) {
  if (from == 0 || to == 0) return std::nullopt;
  return static_cast<double>(to - from);
}

// The hops of one task (and of its frame's last result), by stage name.
std::map<std::string, double> hops_of(const trace::FrameTrace* frame, const trace::TaskTrace& task,
                                      const trace::ResultTrace& result) {
  std::map<std::string, double> hops;
  const auto put = [&](const char* name, std::optional<double> ms) {
    if (ms) hops[name] = *ms;
  };
  const int64_t sent_ts = result.completed_ts - result.llm_ms;
  put("captureToTask", between(task.capture_ts, task.created_ts));
  put("taskToSend", between(task.created_ts, sent_ts));
  put("taskCreatedToProduced", between(task.created_ts, result.task_produced_ts));
  put("taskProducedToReceived", between(result.task_produced_ts, result.task_received_ts));
  put("taskReceivedToSent", between(result.task_received_ts, sent_ts));
  hops["queueWait"] = static_cast<double>(result.queue_wait_ms);
  hops["llm"] = static_cast<double>(result.llm_ms);
  if (frame && frame->stored_ts != 0) {
    put("detection", between(frame->capture_ts, frame->detected_ts));
    put("detectedToTask", between(frame->detected_ts, task.created_ts));
    put("resultToView", between(result.completed_ts, frame->stored_ts));
  }
  return hops;
}

}  // namespace

StageBreakdown break_down_stages(const std::map<std::string, trace::FrameTrace>& frames,
                                 const std::map<std::string, trace::TaskTrace>& tasks,
                                 const std::function<bool(int64_t capture_ts)>& counts,
                                 int64_t load_start_ms, size_t slowest) {
  std::map<std::string, std::vector<double>> samples;
  // Per frame: the task whose result came last, the one the view waited for.
  std::map<std::string, std::pair<const trace::TaskTrace*, const trace::ResultTrace*>> last_task;
  for (const auto& [id, task] : tasks) {
    const trace::ResultTrace* result = task.first_result();
    if (!task.seen_ms || !result || result->status != messages::ResultStatus::kOk) continue;
    if (!counts(task.capture_ts)) continue;
    const auto frame = frames.find(task.request_id);
    const trace::FrameTrace* frame_trace = frame == frames.end() ? nullptr : &frame->second;
    for (const auto& [name, ms] : hops_of(frame_trace, task, *result)) {
      if (name != "queueWait" && name != "llm") samples[name].push_back(ms);
    }
    auto& last = last_task[task.request_id];
    if (!last.second || result->completed_ts > last.second->completed_ts) last = {&task, result};
  }
  std::vector<std::pair<double, const std::string*>> by_latency;
  for (const auto& [id, frame] : frames) {
    if (frame.stored_ts == 0 || !counts(frame.capture_ts)) continue;
    if (const auto hop = between(frame.last_result_produced_ts, frame.last_result_received_ts)) {
      samples["resultProducedToReceived"].push_back(*hop);
    }
    if (const auto hop = between(frame.last_result_received_ts, frame.stored_ts)) {
      samples["resultReceivedToStored"].push_back(*hop);
    }
    const double pipeline_ms =
        static_cast<double>(frame.stored_ts - frame.capture_ts - frame.max_llm_ms);
    by_latency.emplace_back(pipeline_ms, &id);
    // What the streaming stages add once the frame is detected: the pipeline
    // latency without detection, which competes for the cores with everything.
    if (const auto detection = between(frame.capture_ts, frame.detected_ts)) {
      samples["pipelineAfterDetection"].push_back(pipeline_ms - *detection);
    }
  }

  StageBreakdown out;
  out.stages_ms = json::object();
  for (auto& [name, values] : samples)
    out.stages_ms[name] = Distribution::of(std::move(values)).to_json();

  const size_t shown = std::min(slowest, by_latency.size());
  std::partial_sort(by_latency.begin(), by_latency.begin() + static_cast<std::ptrdiff_t>(shown),
                    by_latency.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  out.slowest_frames = json::array();
  for (size_t i = 0; i < shown; ++i) {
    const auto& [pipeline_ms, request_id] = by_latency[i];
    const trace::FrameTrace& frame = frames.at(*request_id);
    json entry{{"requestId", *request_id},
               {"captureSeconds", static_cast<double>(frame.capture_ts - load_start_ms) / 1000.0},
               {"pipelineMs", pipeline_ms}};
    if (const auto hop = between(frame.last_result_produced_ts, frame.last_result_received_ts)) {
      entry["resultProducedToReceived"] = *hop;
    }
    if (const auto hop = between(frame.last_result_received_ts, frame.stored_ts)) {
      entry["resultReceivedToStored"] = *hop;
    }
    if (const auto last = last_task.find(*request_id); last != last_task.end()) {
      entry["lastTask"] = hops_of(&frame, *last->second.first, *last->second.second);
    }
    out.slowest_frames.push_back(std::move(entry));
  }
  return out;
}

}  // namespace tmon::bench
