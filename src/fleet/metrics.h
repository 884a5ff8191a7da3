#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace tmon::fleet {

// The fleet's metrics: one set per process, labelled by this process's
// instance id (one value per process: bounded). Thread-safe.
struct FleetMetrics {
  FleetMetrics(prometheus::Registry& registry, const std::string& instance);

  // Cameras this instance pulls because it owns their registry partition.
  prometheus::Gauge& cameras_owned;
  // Partitions assigned to this instance.
  prometheus::Gauge& partitions_owned;
  // Rebalances this instance took part in (an assignment or a revocation).
  prometheus::Counter& rebalances;
  // From a camera's last frame at its previous owner (as that owner's status
  // in Redis says) to its first frame here; observed only for cameras that
  // changed owner. Includes the time the group took to notice the old owner
  // was gone (session.timeout.ms after a crash).
  prometheus::Histogram& failover_seconds;
  // Registry records not kept: past fleet.max_cameras, or not a camera.
  prometheus::Counter& registry_refused;
  prometheus::Counter& registry_invalid;
  // Cameras of an owned partition that detection refused to start.
  prometheus::Counter& start_failures;
};

}  // namespace tmon::fleet
