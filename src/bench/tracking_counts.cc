#include "bench/tracking_counts.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "bench/services.h"

namespace tmon::bench {
namespace {

// The value of a sample line of `name` ("name{labels} value" or "name
// value"); nullopt for other lines.
std::optional<double> sample_of(std::string_view line, std::string_view name) {
  if (!line.starts_with(name) || line.size() == name.size()) return std::nullopt;
  const char next = line[name.size()];
  if (next != '{' && next != ' ') return std::nullopt;
  const auto space = line.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string value(line.substr(space + 1));
  char* end = nullptr;
  const double parsed = std::strtod(value.c_str(), &end);
  if (end == value.c_str()) return std::nullopt;
  return parsed;
}

}  // namespace

TrackingCounts parse_tracking_counts(const std::string& metrics_text) {
  TrackingCounts counts;
  std::istringstream lines(metrics_text);
  for (std::string line; std::getline(lines, line);) {
    if (const auto v = sample_of(line, "detect_frames_tracked_total")) counts.tracked += *v;
    if (const auto v = sample_of(line, "detect_track_skipped_total")) counts.skipped += *v;
  }
  return counts;
}

std::optional<TrackingCounts> scrape_tracking_counts(const std::string& metrics_url) {
  const HttpReply reply = http_call("GET", metrics_url);
  if (reply.status != 200) return std::nullopt;
  return parse_tracking_counts(reply.body);
}

nlohmann::json tracking_report(const TrackingCounts& from, const TrackingCounts& to, double seconds,
                               int cameras) {
  const double window = std::max(seconds, 1e-9);
  const double tracked = to.tracked - from.tracked;
  const double skipped = to.skipped - from.skipped;
  return {{"framesTracked", tracked},
          {"trackedPerSecond", tracked / window},
          {"trackedPerCameraPerSecond", tracked / window / std::max(1, cameras)},
          {"skipped", skipped},
          {"skippedPerSecond", skipped / window}};
}

}  // namespace tmon::bench
