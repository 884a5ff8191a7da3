// Observations::evaluate: the verdict and figures of a check run.
#include <fmt/format.h>

#include <algorithm>

#include "e2e/observations.h"

namespace tmon::e2e {

namespace {

std::string plural(int n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

E2eReport Observations::evaluate(bool timed_out, double timeout_seconds) const {
  E2eReport report;
  report.camera_id = camera_id_;
  report.frames_injected = static_cast<int>(order_.size());
  int tasks_announced = 0;
  for (const auto& id : order_) {
    const trace::FrameTrace& frame = trace_.frames().at(id);
    report.frames_seen += frame.seen_ms ? 1 : 0;
    const int seen_tasks = static_cast<int>(trace_.tasks_of(id).size());
    report.frames_with_tasks += seen_tasks > 0 ? 1 : 0;
    tasks_announced += std::max(frame.expected_tasks, seen_tasks);
    if (seen_tasks > 0 && frame.stored) {
      ++report.views_stored;
      report.views_partial += frame.partial ? 1 : 0;
    }
  }
  for (const auto& [id, task] : trace_.tasks()) {
    if (!task.seen_ms) {
      report.notes.push_back("a result arrived for task " + id +
                             ", never seen on assessment-tasks");
      continue;
    }
    ++report.tasks;
    const trace::ResultTrace* first = task.first_result();
    if (!first) {
      ++report.tasks_without_result;
      continue;
    }
    ++report.results;
    report.duplicate_results += static_cast<int>(task.results.size()) - 1;
    ++report.results_by_status[std::string(messages::to_string(first->status))];
    if (first->status != messages::ResultStatus::kOk) {
      ++report.error_codes[first->code.empty() ? "(no code)" : first->code];
    }
  }
  report.views_missing = static_cast<int>(awaiting_view().size());
  if (const int64_t ignored = trace_.totals().ignored; ignored > 0) {
    report.notes.push_back(fmt::format(
        "ignored {} of camera {} not injected by this run (another source uses this id?)",
        plural(static_cast<int>(ignored), "message", "messages"), camera_id_));
  }
  add_latencies(report);

  // The verdict: the earliest broken stage first; later stages cannot be
  // judged without the earlier ones.
  auto& failures = report.failures;
  for (const auto& error : inject_errors_) failures.push_back("injection failed: " + error);
  const std::string waited =
      timed_out ? fmt::format(" within {:g} s after the last frame", timeout_seconds) : "";
  if (report.frames_injected == 0) {
    if (failures.empty()) failures.push_back("no frame was injected");
    return report;
  }
  if (report.frames_seen < report.frames_injected) {
    failures.push_back(
        fmt::format("{} of {} injected frames never seen on detection-results{}: the broker or the "
                    "injection failed",
                    report.frames_injected - report.frames_seen, report.frames_injected, waited));
    if (report.frames_seen == 0) return report;
  }
  if (report.tasks == 0) {
    failures.push_back(fmt::format(
        "no task generated from {}{}: is `tmon generate` running / consuming detection-results?",
        plural(report.frames_seen, "frame", "frames"), waited));
    return report;
  }
  if (tasks_announced > report.tasks) {
    failures.push_back(
        fmt::format("{} of {} tasks announced by their frames (frameTaskCount) never seen on "
                    "assessment-tasks{}",
                    tasks_announced - report.tasks, tasks_announced, waited));
  }
  if (report.tasks_without_result > 0) {
    failures.push_back(
        fmt::format("{} of {} got no result on risk-assessment-results{}: is the scheduler (`tmon "
                    "schedule`) running?",
                    report.tasks_without_result, plural(report.tasks, "task", "tasks"), waited));
  }
  if (report.duplicate_results > 0) {
    failures.push_back(
        fmt::format("{} on risk-assessment-results: a task must have exactly one (a replay?)",
                    plural(report.duplicate_results, "duplicate result", "duplicate results")));
  }
  if (report.results > 0 && !report.results_by_status.contains("ok")) {
    std::string codes;
    for (const auto& [code, count] : report.error_codes) {
      codes += fmt::format("{}{} {}", codes.empty() ? "" : ", ", code, count);
    }
    failures.push_back(fmt::format("no result was ok ({}): is the LLM provider answering?", codes));
  }
  if (report.views_missing > 0) {
    failures.push_back(
        fmt::format("{} with all results never stored{}: is `tmon aggregate` running?",
                    plural(report.views_missing, "frame", "frames"), waited));
  }
  if (report.views_partial > 0) {
    failures.push_back(
        fmt::format("{} stored partial (results missing at aggregation.partial_timeout_seconds)",
                    plural(report.views_partial, "frame", "frames")));
  }
  return report;
}

void Observations::add_latencies(E2eReport& report) const {
  StageLatency inject{"inject -> on detection-results", {}};
  StageLatency to_task{"capture -> task created", {}};
  StageLatency to_result{"task created -> result", {}};
  StageLatency llm{"LLM call", {}, 1};
  StageLatency queue{"queue wait", {}, 1};
  StageLatency to_store{"last result -> stored", {}};
  StageLatency total{"capture -> stored (total)", {}};
  for (const auto& [id, frame] : trace_.frames()) {
    if (frame.seen_ms && frame.injected_ms) {
      inject.samples_ms.push_back(*frame.seen_ms - *frame.injected_ms);
    }
  }
  for (const auto& [id, task] : trace_.tasks()) {
    if (!task.seen_ms) continue;
    to_task.samples_ms.push_back(task.created_ts - task.capture_ts);
    const trace::ResultTrace* first = task.first_result();
    if (!first) continue;
    to_result.samples_ms.push_back(first->completed_ts - task.created_ts);
    if (first->status == messages::ResultStatus::kOk) {
      llm.samples_ms.push_back(first->llm_ms);
      queue.samples_ms.push_back(first->queue_wait_ms);
    }
  }
  for (const auto& [id, frame] : trace_.frames()) {
    if (!frame.stored || frame.stored_ts == 0) continue;
    total.samples_ms.push_back(frame.stored_ts - frame.capture_ts);
    if (frame.partial) continue;
    int64_t last = 0;
    for (const auto& task_id : trace_.tasks_of(id)) {
      if (const auto* first = trace_.tasks().at(task_id).first_result()) {
        last = std::max(last, first->completed_ts);
      }
    }
    if (last > 0) to_store.samples_ms.push_back(frame.stored_ts - last);
  }
  report.latencies = {inject, to_task, to_result, llm, queue, to_store, total};
}

}  // namespace tmon::e2e
