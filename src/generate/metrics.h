#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

#include "generate/task_generator.h"

namespace tmon::generate {

// tmon generate's metrics. Labels are bounded: camera_id and the trigger
// name (never a task or group id). groups_total against tasks_generated_total
// is what triggers and de-duplication save over one call per group per frame.
struct GenerateMetrics {
  explicit GenerateMetrics(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& groups;               // eligible groups: the baseline
  prometheus::Family<prometheus::Counter>& tasks_generated;      // + trigger (the highest fired)
  prometheus::Family<prometheus::Counter>& tasks_deduplicated;   // triggered, not re-assessed
  prometheus::Family<prometheus::Counter>& groups_untriggered;   // eligible, no trigger fired
  prometheus::Family<prometheus::Counter>& groups_no_potential;  // triggered, no conflict potential
  prometheus::Family<prometheus::Gauge>& cameras_tracked;        // cameras with remembered state

  // Counts one frame's outcome.
  void record(const std::string& camera_id, const FrameOutcome& outcome);
};

}  // namespace tmon::generate
