#include "bench/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/html_text.h"
#include "bench/svg_charts.h"

namespace tmon::bench {
namespace {

using nlohmann::json;
using namespace html;


std::string render_config(const json& report) {
  const json& config = field(report, "config");
  if (!config.is_object() || config.empty()) return section("Configuration", std::string(kNote));
  std::vector<Row> rows;
  for (const auto& [key, value] : config.items()) rows.push_back({escape(key), show(value)});
  return section("Configuration", table({"setting", "value"}, rows));
}

// One row per member of a breakdown object such as resultsByStatus.
void add_breakdown(std::vector<Row>& rows, std::string_view prefix, const json& breakdown) {
  if (!breakdown.is_object()) return;
  for (const auto& [key, value] : breakdown.items())
    rows.push_back({fmt::format("{} {}", prefix, escape(key)), show(value)});
}

std::string render_headline(const json& report) {
  const json& counts = field(report, "counts");
  const json& rate = field(report, "throughputPerSecond");
  const json& api = field(report, "api");
  std::vector<Row> rows = {
      {"frames", show(field(counts, "frames"))},
      {"frames with tasks", show(field(counts, "framesWithTasks"))},
      {"tasks", show(field(counts, "tasks"))},
      {"results", show(field(counts, "results"))},
  };
  add_breakdown(rows, "results", field(counts, "resultsByStatus"));
  add_breakdown(rows, "results with code", field(counts, "resultsByCode"));
  add_breakdown(rows, "views", field(counts, "views"));
  rows.insert(rows.end(), {
                              {"lost tasks", show(field(counts, "lostTasks"))},
                              {"duplicate results", show(field(counts, "duplicateResults"))},
                              {"dead letters", show(field(counts, "deadLetters"))},
                              {"frames/s", show(field(rate, "frames"))},
                              {"tasks/s", show(field(rate, "tasks"))},
                              {"results/s", show(field(rate, "results"))},
                              {"ok results/s", show(field(rate, "okResults"))},
                              {"API calls", show(field(api, "calls"))},
                              {"API ok", show(field(api, "ok"))},
                              {"API success rate", show_percent(field(api, "successRate"))},
                              {"API 429s", show(field(api, "rateLimited"))},
                          });
  // Capacity is only known when the benchmark runs against the mock provider.
  if (const json& capacity = field(report, "capacity"); capacity.is_object()) {
    rows.insert(rows.end(),
                {
                    {"capacity (calls/s)", show(field(capacity, "perSecond"))},
                    {"goodput (ok/s)", show(field(capacity, "goodputPerSecond"))},
                    {"goodput of capacity", show_percent(field(capacity, "goodputOfCapacity"))},
                    {"limit per second", show(field(capacity, "limitPerSecond"))},
                    {"limit per minute", show(field(capacity, "limitPerMinute"))},
                });
  }
  rows.push_back({"wall time (s)", show(field(report, "wallSeconds"))});
  return section("Headline", table({"figure", "value"}, rows));
}

std::string render_latency(const json& report) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kKnown = {
      {"endToEnd", "end-to-end (capture to result)"},
      {"resultAge", "result age"},
      {"llm", "LLM call"},
      {"queueWait", "queue wait"},
      {"pipeline", "pipeline (excluding LLM)"},
      {"detection", "detection"}};
  const json& latency = field(report, "latencyMs");
  if (!latency.is_object()) return section("Latency (ms)", std::string(kNote));
  auto row = [](std::string label, const json& d) {
    return Row{std::move(label),      show(field(d, "count")), show(field(d, "mean")),
               show(field(d, "p50")), show(field(d, "p95")),   show(field(d, "p99")),
               show(field(d, "max"))};
  };
  std::vector<Row> rows;
  for (const auto& [key, label] : kKnown)
    if (latency.contains(key)) rows.push_back(row(std::string(label), field(latency, key)));
  for (const auto& [key, value] : latency.items()) {
    const bool known = std::any_of(kKnown.begin(), kKnown.end(),
                                   [&key = key](const auto& k) { return k.first == key; });
    if (!known) rows.push_back(row(escape(key), value));
  }
  return section("Latency (ms)",
                 table({"distribution", "count", "mean", "p50", "p95", "p99", "max"}, rows));
}

std::string render_kafka_lag(const json& report) {
  const json& lag = field(report, "kafkaLag");
  if (!lag.is_object()) return section("Kafka consumer lag (messages)", std::string(kNote));
  std::vector<Row> rows;
  for (const auto& [topic, stats] : lag.items())
    rows.push_back({escape(topic), show(field(stats, "max")), show(field(stats, "mean"))});
  return section("Kafka consumer lag (messages)", table({"topic", "max", "mean"}, rows));
}

std::string render_accounts(const json& report) {
  const json& accounts = field(field(report, "capacity"), "accounts");
  if (!accounts.is_object() || accounts.empty()) return "";
  std::vector<Row> rows;
  for (const auto& [name, a] : accounts.items()) {
    rows.push_back({escape(name), show(field(a, "ok")), show(field(a, "rateLimited")),
                    show(field(a, "maxPerSecond")), show(field(a, "maxPerMinute"))});
  }
  return section("Provider accounts (mock)",
                 table({"account", "ok", "429s", "max/s", "max/min"}, rows));
}

std::string render_processes(const json& report) {
  const json& processes = field(report, "processes");
  if (!processes.is_array() || processes.empty()) return section("Processes", std::string(kNote));
  std::vector<Row> rows;
  for (const auto& p : processes) {
    rows.push_back({show(field(p, "name")), show(field(p, "pid")), show(field(p, "cpuSeconds")),
                    show(field(p, "cpuCores")), show(field(p, "peakRssMb")),
                    show(field(p, "rssMbStart")), show(field(p, "rssMbEnd"))});
  }
  return section("Processes", table({"process", "pid", "CPU s", "CPU cores", "peak RSS MB",
                                     "RSS MB start", "RSS MB end"},
                                    rows));
}

std::string pass_fail(const json& passed) {
  if (!passed.is_boolean()) return "n/a";
  return passed.get<bool>() ? "<span class=\"pass\">PASS</span>"
                            : "<span class=\"fail\">FAIL</span>";
}

std::string render_verdict(const json& report) {
  const json& verdict = field(report, "verdict");
  if (!verdict.is_object()) return "";
  std::string body = "<p>Overall: " + pass_fail(field(verdict, "passed")) + "</p>\n";
  if (const json& checks = field(verdict, "checks"); checks.is_array()) {
    std::vector<Row> rows;
    for (const auto& c : checks)
      rows.push_back(
          {show(field(c, "name")), pass_fail(field(c, "passed")), show(field(c, "detail"))});
    body += table({"check", "result", "detail"}, rows, "text");
  }
  return section("Verdict", body);
}

constexpr std::string_view kStyle = R"(
body { font-family: system-ui, sans-serif; color: #222; max-width: 960px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: .9em; }
th, td { padding: .25em .8em; border-bottom: 1px solid #eee; text-align: left; }
td + td, th + th { text-align: right; font-variant-numeric: tabular-nums; }
table.text td, table.text th { text-align: left; }
.pass { color: #1a7f37; font-weight: 600; }
.fail { color: #cf222e; font-weight: 600; }
.note, .sub { color: #666; }
svg.chart text { font-size: 11px; fill: #333; }
svg.chart text.title { font-size: 12px; font-weight: 600; }
svg.chart text.label { font-size: 12px; fill: #555; }
svg.chart .grid { stroke: #eee; }
svg.chart .axis { stroke: #888; }
svg.chart .frame { fill: none; stroke: #bbb; }
svg.chart .bar { fill: #1f77b4; }
)";

}  // namespace

std::string render_html_report(const json& report) {
  const json& config = field(report, "config");
  const std::string title =
      fmt::format("tmon bench {}: mode {}, {} cameras", show(field(report, "benchmark")),
                  show(field(config, "mode")), show(field(config, "cameras")));
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += fmt::format("<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n", title, kStyle);
  page += fmt::format("<h1>{}</h1>\n<p class=\"sub\">started {}, LLM {}, wall time {} s</p>\n",
                      title, show(field(report, "startedAt")), show(field(config, "llm")),
                      show(field(report, "wallSeconds")));
  page += render_verdict(report);
  page += render_headline(report);
  page += render_latency(report);
  page += render_histogram(report);
  page += render_timeline(report);
  page += render_kafka_lag(report);
  page += render_accounts(report);
  page += render_processes(report);
  page += render_config(report);
  return page + "</body>\n</html>\n";
}

}  // namespace tmon::bench
