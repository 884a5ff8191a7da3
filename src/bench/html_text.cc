#include "bench/html_text.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace tmon::bench::html {

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

std::string table(const Row& header, const std::vector<Row>& rows, std::string_view cls) {
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

}  // namespace tmon::bench::html
