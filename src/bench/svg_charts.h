#pragma once

// The charts of the benchmark's HTML report, as inline SVG sections.

#include <nlohmann/json.hpp>
#include <string>

namespace tmon::bench {

// The end-to-end latency histogram (report.histogram.endToEndMs).
std::string render_histogram(const nlohmann::json& report);
// Stacked panels over report.timeline sharing the time axis: throughput,
// Kafka lag per topic, tasks in flight, RSS.
std::string render_timeline(const nlohmann::json& report);

}  // namespace tmon::bench
