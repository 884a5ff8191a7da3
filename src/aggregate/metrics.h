#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tmon::aggregate {

// The aggregator's metrics. Labels are bounded: result status, view kind,
// alert level; never task or frame ids.
struct AggregateMetrics {
  explicit AggregateMetrics(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& results;  // stored the first time, + status
  prometheus::Counter& replays;                      // results stored before (Kafka replays)
  prometheus::Family<prometheus::Counter>& views;    // + kind: complete, partial
  prometheus::Gauge& pending_frames;                 // frames waiting for results
  prometheus::Family<prometheus::Counter>& alerts;   // + level, + kind: new, continuation
  prometheus::Histogram& end_to_end_latency;         // capture -> view stored
  prometheus::Counter& store_errors;                 // store calls that failed (retried)
  // Frames' detections consumed, + outcome: stored (kept for the view),
  // no_groups (no task can follow), undecodable (dead-lettered by generate).
  prometheus::Family<prometheus::Counter>& detections;
  // Records read back from the store that do not decode (or hold values out
  // of range) and were skipped, + kind: alert, result, detection.
  prometheus::Family<prometheus::Counter>& bad_records;
};

}  // namespace tmon::aggregate
