#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace tmon::detect {

// The detection service's metrics, per camera (label camera_id). Built from
// the process's registry; children of a removed camera are removed too.
struct DetectMetrics {
  explicit DetectMetrics(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& detection_total;      // frames analysed
  prometheus::Family<prometheus::Histogram>& detection_latency;  // capture -> analysed
  prometheus::Family<prometheus::Counter>& frames_grabbed;       // decoded by the grabber
  prometheus::Family<prometheus::Counter>& frames_sampled;       // handed to the detector
  prometheus::Family<prometheus::Counter>& frames_dropped;       // + reason: busy, stale, error
  prometheus::Family<prometheus::Counter>& frames_tracked;       // detected and tracked
  prometheus::Family<prometheus::Counter>& track_skipped;        // tracking ticks given up
  prometheus::Family<prometheus::Gauge>& camera_up;              // 1 streaming, 0 not
  prometheus::Family<prometheus::Counter>& objects_detected;     // + class

  // Removes every series of a camera that is gone, so cameras that come and
  // go (WebSocket viewers) do not grow the scrape without end.
  void forget(const std::string& camera_id);
};

}  // namespace tmon::detect
