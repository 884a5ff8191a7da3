#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tmon::bench {

// A self-contained HTML page (inline CSS and SVG, no scripts or external assets) for a
// pipeline benchmark report: headline figures, a latency histogram and a timeline.
//
// Tolerates partial or malformed reports: any missing or mistyped field shows as "n/a" and
// a missing section is left out or replaced by a note; never throws on report content.
// Every string taken from the report is HTML-escaped.
std::string render_html_report(const nlohmann::json& report);

}  // namespace tmon::bench
