#include "e2e/e2e_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tmon::e2e {

int64_t percentile_ms(std::vector<int64_t> samples, double quantile) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  // Nearest rank: the smallest sample with at least `quantile` of them at or below it.
  const auto rank = static_cast<size_t>(std::ceil(quantile * static_cast<double>(samples.size())));
  return samples[std::clamp<size_t>(rank, 1, samples.size()) - 1];
}

void print_report(const E2eReport& report, std::ostream& out) {
  out << fmt::format("tmon e2e-test: camera {}{}\n", report.camera_id,
                     report.setup.empty() ? "" : ", " + report.setup);
  out << fmt::format(
      "  frames   {} injected (of {}), {} seen on detection-results, {} with tasks\n",
      report.frames_injected, report.frames_planned, report.frames_seen, report.frames_with_tasks);
  out << fmt::format("  tasks    {} on assessment-tasks, {} without a result\n", report.tasks,
                     report.tasks_without_result);
  std::string statuses;
  for (const auto& [status, count] : report.results_by_status) {
    statuses += fmt::format(", {} {}", status, count);
  }
  std::string codes;
  for (const auto& [code, count] : report.error_codes) {
    codes += fmt::format("{}{} {}", codes.empty() ? " (not ok: " : ", ", code, count);
  }
  if (!codes.empty()) codes += ")";
  out << fmt::format(
      "  results  {} on risk-assessment-results{}{}{}\n", report.results, statuses, codes,
      report.duplicate_results > 0 ? fmt::format(", {} duplicates", report.duplicate_results) : "");
  out << fmt::format("  views    {} stored ({} partial), {} missing\n", report.views_stored,
                     report.views_partial, report.views_missing);
  out << fmt::format("  waited   {:.1f} s\n", report.waited_seconds);
  if (!report.latencies.empty()) {
    out << fmt::format("  {:<34} {:>5} {:>8} {:>8}\n", "latency (ms)", "n", "p50", "max");
    for (const auto& stage : report.latencies) {
      const std::string name = std::string(2 * stage.indent, ' ') + stage.stage;
      if (stage.samples_ms.empty()) {
        out << fmt::format("    {:<32} {:>5} {:>8} {:>8}\n", name, 0, "-", "-");
        continue;
      }
      out << fmt::format("    {:<32} {:>5} {:>8} {:>8}\n", name, stage.samples_ms.size(),
                         percentile_ms(stage.samples_ms, 0.5),
                         percentile_ms(stage.samples_ms, 1.0));
    }
  }
  for (const auto& note : report.notes) out << "  note: " << note << "\n";
  if (report.passed()) {
    out << "PASS" << std::endl;
    return;
  }
  std::string reasons;
  for (const auto& failure : report.failures) reasons += (reasons.empty() ? "" : "; ") + failure;
  out << "FAIL: " << reasons << std::endl;
}

}  // namespace tmon::e2e
