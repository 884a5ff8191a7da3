#pragma once

// Small pieces of the benchmark's HTML report: reading a report that may
// lack any section, escaping, number formatting, tables. Internal to
// src/bench (html_report.cc, svg_charts.cc).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tmon::bench::html {

// The member `key` of `j`, or null when `j` is not an object or lacks it, so
// lookups can chain through missing sections without throwing.
const nlohmann::json& field(const nlohmann::json& j, std::string_view key);
std::optional<double> number(const nlohmann::json& j);
std::string escape(std::string_view s);
std::string format_number(double v);
// Any JSON value as escaped display text; absent values read "n/a".
std::string show(const nlohmann::json& j);
std::string show_percent(const nlohmann::json& j);

// What a section says when the report lacks its data.
inline constexpr std::string_view kNote = "<p class=\"note\">Not in this report.</p>\n";

// Cells are HTML already escaped by the caller.
using Row = std::vector<std::string>;
std::string table(const Row& header, const std::vector<Row>& rows, std::string_view cls = "");
std::string section(std::string_view title, const std::string& body);

}  // namespace tmon::bench::html
