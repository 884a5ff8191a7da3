#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace tmon::preview {

// Live view's metrics, on both sides: the process pulling cameras (what it
// published, what it held back and why) and the API process watching them
// (leases held, previews received). Built from the process's registry.
struct PreviewMetrics {
  explicit PreviewMetrics(prometheus::Registry& registry);

  prometheus::Counter& published;        // previews sent on tmon:preview:{id}
  prometheus::Counter& published_bytes;  // their bytes
  // Frames not sent, by reason: unwatched (no lease), rate (max_fps),
  // too_large (over max_bytes even without crops and frame), error (Redis).
  prometheus::Family<prometheus::Counter>& skipped;
  // Previews sent without a part to fit max_bytes / max_width: crops, frame.
  prometheus::Family<prometheus::Counter>& trimmed;
  prometheus::Gauge& leased_here;     // cameras pulled here that someone watches
  prometheus::Counter& received;      // previews received for local watchers
  prometheus::Counter& invalid;       // received payloads that were not a camera's frame
  prometheus::Gauge& watched;         // cameras pulled elsewhere this process watches
  prometheus::Counter& lease_errors;  // lease refreshes, drops and polls Redis refused

  prometheus::Counter& skipped_for(const char* reason) { return skipped.Add({{"reason", reason}}); }
};

}  // namespace tmon::preview
