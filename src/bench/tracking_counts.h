#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace tmon::bench {

// Tracking frames a detect process ran and gave up, summed over its cameras,
// from its Prometheus text (detect_frames_tracked_total,
// detect_track_skipped_total): how fast tracking went under the run's load.
struct TrackingCounts {
  double tracked = 0;
  double skipped = 0;
};

// Sums the two counters over every series of `metrics_text`.
TrackingCounts parse_tracking_counts(const std::string& metrics_text);

// GET metrics_url; nullopt when it does not answer.
std::optional<TrackingCounts> scrape_tracking_counts(const std::string& metrics_url);

// {framesTracked, trackedPerSecond, trackedPerCameraPerSecond, skipped,
// skippedPerSecond} between two scrapes `seconds` apart.
nlohmann::json tracking_report(const TrackingCounts& from, const TrackingCounts& to, double seconds,
                               int cameras);

}  // namespace tmon::bench
