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

namespace tmon::bench {
namespace {

using nlohmann::json;

// ---- Reading the report defensively: a partial report must still render. ----

// The member `key` of `j`, or null when `j` is not an object or lacks it, so lookups can
// chain through missing sections without throwing.
const json& field(const json& j, std::string_view key) {
  static const json kMissing;
  if (!j.is_object()) return kMissing;
  const auto it = j.find(key);
  return it == j.end() ? kMissing : *it;
}

std::optional<double> number(const json& j) {
  if (!j.is_number()) return std::nullopt;
  const double v = j.get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Two decimals at most for readability; small fractions keep three significant digits so
// that e.g. 0.0042 does not read as 0.
std::string format_number(double v) {
  if (v == 0) return "0";
  if (std::abs(v) >= 1e15) return fmt::format("{:.3g}", v);
  if (v == std::floor(v)) return fmt::format("{:.0f}", v);
  std::string s = std::abs(v) >= 1 ? fmt::format("{:.2f}", v) : fmt::format("{:.3g}", v);
  if (s.find('.') != std::string::npos && s.find('e') == std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

// Any JSON value as escaped display text; absent values read "n/a".
std::string show(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return "n/a";
    case json::value_t::boolean:
      return j.get<bool>() ? "yes" : "no";
    case json::value_t::number_integer:
      return std::to_string(j.get<std::int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(j.get<std::uint64_t>());
    case json::value_t::number_float: {
      const auto v = number(j);
      return v ? format_number(*v) : "n/a";
    }
    case json::value_t::string:
      return escape(j.get_ref<const std::string&>());
    default:
      // Replace invalid UTF-8 instead of throwing: the page matters more than one value.
      return escape(j.dump(-1, ' ', false, json::error_handler_t::replace));
  }
}

std::string show_percent(const json& j) {
  const auto v = number(j);
  return v ? fmt::format("{:.2f}%", *v * 100) : "n/a";
}

// ---- HTML tables. Cells are HTML already escaped by the caller. ----

using Row = std::vector<std::string>;

std::string table(const Row& header, const std::vector<Row>& rows, std::string_view cls = "") {
  std::string out = cls.empty() ? "<table>" : fmt::format("<table class=\"{}\">", cls);
  out += "<tr>";
  for (const auto& h : header) out += "<th>" + h + "</th>";
  out += "</tr>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& cell : row) out += "<td>" + cell + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string section(std::string_view title, const std::string& body) {
  return fmt::format("<h2>{}</h2>\n{}", title, body);
}

constexpr std::string_view kNote = "<p class=\"note\">Not in this report.</p>\n";

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

// ---- SVG helpers. ----

constexpr std::string_view kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                         "#9467bd", "#8c564b", "#e377c2", "#17becf"};

// A 1-2-5 step giving about `target` intervals over `span`, so tick labels stay round.
double nice_step(double span, int target) {
  if (!(span > 0)) return 1;
  const double raw = span / target;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
}

// Vertical axis from 0 to a round top at or above `max_value`.
struct YAxis {
  double top = 1;
  double step = 1;
};

YAxis y_axis(double max_value) {
  const double step = nice_step(max_value, 4);
  return {std::max(step, std::ceil(max_value / step) * step), step};
}

std::string svg_text(double x, double y, std::string_view anchor, const std::string& text,
                     std::string_view extra = "") {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\"{}>{}</text>\n", x, y,
                     anchor, extra, text);
}

std::string svg_line(double x1, double y1, double x2, double y2, std::string_view cls) {
  return fmt::format(
      "<line class=\"{}\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", cls, x1, y1,
      x2, y2);
}

// Horizontal gridlines with labels for a y axis drawn over [top_px, bottom_px].
std::string y_ticks(const YAxis& axis, double left, double right, double top_px, double bottom_px) {
  std::string out;
  for (int i = 0; i * axis.step <= axis.top * (1 + 1e-9); ++i) {
    const double v = i * axis.step;
    const double y = bottom_px - v / axis.top * (bottom_px - top_px);
    out += svg_line(left, y, right, y, "grid");
    out += svg_text(left - 6, y + 4, "end", format_number(v));
  }
  return out;
}

// ---- Latency histogram. ----

struct Bucket {
  std::string label;  // escaped
  double count = 0;
};

std::vector<Bucket> read_buckets(const json& report) {
  std::vector<Bucket> buckets;
  const json& hist = field(field(report, "histogram"), "endToEndMs");
  if (!hist.is_array()) return buckets;
  for (const auto& b : hist) {
    if (!b.is_object()) continue;
    // The overflow bucket has no upper bound: the benchmark writes leMs null.
    const json& le = field(b, "leMs");
    buckets.push_back({le.is_null() ? "+Inf" : "&#8804;" + show(le),
                       std::max(0.0, number(field(b, "count")).value_or(0))});
  }
  return buckets;
}

std::string render_histogram(const json& report) {
  const auto buckets = read_buckets(report);
  if (buckets.empty()) return section("End-to-end latency histogram", std::string(kNote));
  constexpr double kW = 900, kH = 340, kLeft = 70, kRight = 20, kTop = 20, kBottom = 90;
  const double plot_w = kW - kLeft - kRight, bottom = kH - kBottom;
  double max_count = 0;
  for (const auto& b : buckets) max_count = std::max(max_count, b.count);
  const YAxis axis = y_axis(max_count);
  const double slot = plot_w / buckets.size();
  // Past a dozen buckets horizontal labels collide; tilt them, and thin them out further.
  const bool tilt = buckets.size() > 12;
  const size_t label_every = 1 + buckets.size() / 40;

  std::string svg = fmt::format(
      "<svg class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
      "aria-label=\"end-to-end latency histogram\">\n",
      kW, kH);
  svg += y_ticks(axis, kLeft, kW - kRight, kTop, bottom);
  for (size_t i = 0; i < buckets.size(); ++i) {
    const double h = buckets[i].count / axis.top * (bottom - kTop);
    const double x = kLeft + i * slot;
    svg += fmt::format(
        "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\">"
        "<title>{} ms: {}</title></rect>\n",
        x + slot * 0.1, bottom - h, slot * 0.8, h, buckets[i].label,
        format_number(buckets[i].count));
    if (buckets.size() <= 24)
      svg += svg_text(x + slot / 2, bottom - h - 4, "middle", format_number(buckets[i].count));
    if (i % label_every != 0) continue;
    const double lx = x + slot / 2, ly = bottom + 16;
    svg += tilt ? svg_text(lx, ly, "end", buckets[i].label,
                           fmt::format(" transform=\"rotate(-45 {:.1f} {:.1f})\"", lx, ly))
                : svg_text(lx, ly, "middle", buckets[i].label);
  }
  svg += svg_line(kLeft, bottom, kW - kRight, bottom, "axis");
  svg += svg_line(kLeft, kTop, kLeft, bottom, "axis");
  svg += svg_text(kLeft + plot_w / 2, kH - 10, "middle",
                  "end-to-end latency, bucket upper bound (ms)", " class=\"label\"");
  svg += svg_text(
      16, (kTop + bottom) / 2, "middle", "results",
      fmt::format(" class=\"label\" transform=\"rotate(-90 16 {:.1f})\"", (kTop + bottom) / 2));
  return section("End-to-end latency histogram", svg + "</svg>\n");
}

// ---- Timeline: stacked panels sharing the time axis. ----

struct Series {
  std::string label;  // escaped
  std::string_view colour;
  std::vector<std::pair<double, double>> points;  // (t, value)
};

struct Panel {
  std::string title;
  std::vector<Series> series;
};

// A series from one numeric member of each timeline point; points lacking it are skipped.
Series read_series(const json& timeline, std::string label, std::string_view colour,
                   const std::vector<std::string_view>& path) {
  Series s{std::move(label), colour, {}};
  for (const auto& p : timeline) {
    const auto t = number(field(p, "t"));
    const json* v = &p;
    for (const auto key : path) v = &field(*v, key);
    if (const auto value = number(*v); t && value) s.points.emplace_back(*t, *value);
  }
  return s;
}

// Topics in order of first appearance, so colours stay stable across reports.
std::vector<std::string> lag_topics(const json& timeline) {
  std::vector<std::string> topics;
  for (const auto& p : timeline) {
    const json& lag = field(p, "lag");
    if (!lag.is_object()) continue;
    for (const auto& [topic, value] : lag.items())
      if (std::find(topics.begin(), topics.end(), topic) == topics.end()) topics.push_back(topic);
  }
  return topics;
}

std::vector<Panel> timeline_panels(const json& timeline) {
  Panel throughput{"throughput (per second)",
                   {read_series(timeline, "frames/s", kPalette[0], {"frames"}),
                    read_series(timeline, "tasks/s", kPalette[1], {"tasks"}),
                    read_series(timeline, "results/s", kPalette[2], {"results"}),
                    read_series(timeline, "ok results/s", kPalette[3], {"okResults"})}};
  Panel lag{"Kafka consumer lag (messages)", {}};
  const auto topics = lag_topics(timeline);
  for (size_t i = 0; i < topics.size(); ++i) {
    lag.series.push_back(read_series(timeline, escape(topics[i]),
                                     kPalette[(i + 4) % std::size(kPalette)], {"lag", topics[i]}));
  }
  Panel in_flight{"in-flight tasks",
                  {read_series(timeline, "in flight", kPalette[4], {"inFlight"})}};
  Panel rss{"RSS of tmon bench (MB)", {read_series(timeline, "RSS MB", kPalette[5], {"rssMb"})}};
  return {std::move(throughput), std::move(lag), std::move(in_flight), std::move(rss)};
}

// Multiples of `step` within [t0, t1], computed by index so rounding does not accumulate.
std::vector<double> time_ticks(double t0, double t1, double step) {
  std::vector<double> ticks;
  const double first = std::ceil(t0 / step);
  for (int i = 0; (first + i) * step <= t1 + step * 1e-9; ++i) ticks.push_back((first + i) * step);
  return ticks;
}

struct TimeAxis {
  double t0 = 0, t1 = 1;
  double left = 0, right = 0;

  double x(double t) const { return left + (t - t0) / (t1 - t0) * (right - left); }
};

std::string render_panel(const Panel& panel, const TimeAxis& time, double y0, double plot_h,
                         double step) {
  const double top = y0 + 22, bottom = top + plot_h;
  double max_value = 0;
  for (const auto& s : panel.series)
    for (const auto& [t, v] : s.points) max_value = std::max(max_value, v);
  const YAxis axis = y_axis(max_value);
  std::string out = svg_text(time.left, y0 + 14, "start", panel.title, " class=\"title\"");
  out += y_ticks(axis, time.left, time.right, top, bottom);
  for (const double t : time_ticks(time.t0, time.t1, step))
    out += svg_line(time.x(t), top, time.x(t), bottom, "grid");
  out += fmt::format(
      "<rect class=\"frame\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>\n",
      time.left, top, time.right - time.left, plot_h);
  auto y = [&](double v) { return bottom - std::max(0.0, v) / axis.top * plot_h; };
  for (size_t i = 0; i < panel.series.size(); ++i) {
    const Series& s = panel.series[i];
    std::string points;
    for (const auto& [t, v] : s.points) points += fmt::format("{:.1f},{:.1f} ", time.x(t), y(v));
    out +=
        fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n",
                    s.colour, points);
    const double ly = top + 8 + i * 16;  // legend, right of the plot
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\" "
        "stroke-width=\"3\"/>\n",
        time.right + 12, ly, time.right + 32, s.colour);
    out += svg_text(time.right + 38, ly + 4, "start", s.label);
  }
  if (panel.series.empty() || max_value == 0)
    out += svg_text((time.left + time.right) / 2, (top + bottom) / 2, "middle",
                    panel.series.empty() ? "no data" : "all zero", " class=\"label\"");
  return out;
}

// The time range covered by the timeline; a single point gets a one-second span.
std::pair<double, double> time_range(const std::vector<Panel>& panels) {
  double t0 = std::numeric_limits<double>::infinity(), t1 = -t0;
  for (const auto& panel : panels)
    for (const auto& s : panel.series)
      for (const auto& point : s.points) {
        t0 = std::min(t0, point.first);
        t1 = std::max(t1, point.first);
      }
  if (!(t0 <= t1)) return {0, 1};
  return {t0, t1 > t0 ? t1 : t0 + 1};
}

std::string render_timeline(const json& report) {
  const json& timeline = field(report, "timeline");
  const std::string_view title = "Timeline";
  if (!timeline.is_array() || timeline.empty()) return section(title, std::string(kNote));
  const auto panels = timeline_panels(timeline);
  constexpr double kW = 900, kLeft = 70, kRight = 200, kTop = 10, kPanelH = 150, kPlotH = 110;
  const auto [t0, t1] = time_range(panels);
  const TimeAxis time{t0, t1, kLeft, kW - kRight};
  const double step = nice_step(t1 - t0, 8);
  const double axis_y = kTop + panels.size() * kPanelH - (kPanelH - kPlotH - 22);
  const double height = axis_y + 45;

  std::string svg = fmt::format(
      "<svg class=\"chart\" width=\"{0}\" height=\"{1:.0f}\" viewBox=\"0 0 {0} {1:.0f}\" "
      "role=\"img\" aria-label=\"timeline\">\n",
      kW, height);
  for (size_t i = 0; i < panels.size(); ++i)
    svg += render_panel(panels[i], time, kTop + i * kPanelH, kPlotH, step);
  for (const double t : time_ticks(t0, t1, step))
    svg += svg_text(time.x(t), axis_y + 16, "middle", format_number(t));
  svg += svg_text((time.left + time.right) / 2, axis_y + 36, "middle", "time since start (s)",
                  " class=\"label\"");
  return section(title, svg + "</svg>\n");
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
