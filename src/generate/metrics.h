#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <list>
#include <string>
#include <unordered_map>

#include "generate/task_generator.h"

namespace tmon::generate {

// Cameras with their own series at most: camera ids come from Kafka, so any
// producer could otherwise mint series without end.
inline constexpr size_t kMaxCameraSeries = 1000;

// tmon generate's metrics. Labels are bounded: the trigger name, and
// camera_id for the kMaxCameraSeries cameras seen most recently (the series
// of the least recently seen go first; never a task or group id). groups_total against
// tasks_generated_total is what triggers and de-duplication save over one call per group per frame.
struct GenerateMetrics {
  explicit GenerateMetrics(prometheus::Registry& registry, size_t max_cameras = kMaxCameraSeries);

  prometheus::Family<prometheus::Counter>& groups;               // eligible groups: the baseline
  prometheus::Family<prometheus::Counter>& tasks_generated;      // + trigger (the highest fired)
  prometheus::Family<prometheus::Counter>& tasks_deduplicated;   // triggered, not re-assessed
  prometheus::Family<prometheus::Counter>& groups_untriggered;   // eligible, no trigger fired
  prometheus::Family<prometheus::Counter>& groups_no_potential;  // triggered, no conflict potential
  prometheus::Family<prometheus::Gauge>& cameras_tracked;        // cameras with remembered state
  prometheus::Counter& camera_series_evicted;  // cameras whose series were dropped for the cap

  // Counts one frame's outcome. Not thread-safe (the stage's thread).
  void record(const std::string& camera_id, const FrameOutcome& outcome);
  // Cameras with series now.
  size_t cameras_with_series() const { return recent_.size(); }

 private:
  void touch(const std::string& camera_id);
  void forget(const std::string& camera_id);

  size_t max_cameras_;
  std::list<std::string> recent_;  // most recently seen first
  std::unordered_map<std::string, std::list<std::string>::iterator> position_;
};

}  // namespace tmon::generate
