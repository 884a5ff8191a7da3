#include "preview/metrics.h"

namespace tmon::preview {
namespace {

prometheus::Counter& counter(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Gauge& gauge(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

PreviewMetrics::PreviewMetrics(prometheus::Registry& registry)
    : published(counter(registry, "tmon_preview_frames_published_total",
                        "Preview frames published to Redis for watched cameras pulled here")),
      published_bytes(counter(registry, "tmon_preview_bytes_published_total",
                              "Bytes of the preview frames published")),
      skipped(prometheus::BuildCounter()
                  .Name("tmon_preview_frames_skipped_total")
                  .Help("Analysed frames not published as previews, by reason (unwatched, rate, "
                        "too_large, error)")
                  .Register(registry)),
      trimmed(prometheus::BuildCounter()
                  .Name("tmon_preview_frames_trimmed_total")
                  .Help("Previews published without a part (crops, frame) to fit the bounds")
                  .Register(registry)),
      leased_here(gauge(registry, "tmon_preview_leased_cameras",
                        "Cameras pulled here that a watcher holds a lease on")),
      received(counter(registry, "tmon_preview_frames_received_total",
                       "Preview frames received for this process's watchers")),
      invalid(counter(registry, "tmon_preview_frames_invalid_total",
                      "Received preview payloads that were not a frame of their camera")),
      watched(gauge(registry, "tmon_preview_watched_cameras",
                    "Cameras pulled by other processes that this process watches")),
      lease_errors(counter(registry, "tmon_preview_lease_errors_total",
                           "Lease refreshes, drops and polls that failed (Redis unreachable)")) {
  // Every reason from the start, so a scrape shows 0 rather than nothing.
  for (const char* reason : {"unwatched", "rate", "too_large", "error"}) skipped_for(reason);
  for (const char* part : {"crops", "frame"}) trimmed.Add({{"part", part}});
}

}  // namespace tmon::preview
