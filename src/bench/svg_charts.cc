#include "bench/svg_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/html_text.h"

namespace tmon::bench {
namespace {

using nlohmann::json;
using namespace html;

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

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace tmon::bench
