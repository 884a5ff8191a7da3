#include "fleet/metrics.h"

namespace tmon::fleet {

FleetMetrics::FleetMetrics(prometheus::Registry& registry, const std::string& instance)
    : cameras_owned(prometheus::BuildGauge()
                        .Name("tmon_fleet_cameras_owned")
                        .Help("Cameras this detect instance pulls (owned registry partitions)")
                        .Register(registry)
                        .Add({{"instance", instance}})),
      partitions_owned(prometheus::BuildGauge()
                           .Name("tmon_fleet_partitions_owned")
                           .Help("Camera registry partitions assigned to this instance")
                           .Register(registry)
                           .Add({{"instance", instance}})),
      rebalances(prometheus::BuildCounter()
                     .Name("tmon_fleet_rebalances_total")
                     .Help("Rebalances of the detect group this instance took part in")
                     .Register(registry)
                     .Add({{"instance", instance}})),
      failover_seconds(prometheus::BuildHistogram()
                           .Name("tmon_fleet_failover_seconds")
                           .Help("Camera that changed owner: its last frame at the old owner to "
                                 "its first frame at the new one")
                           .Register(registry)
                           .Add({{"instance", instance}},
                                prometheus::Histogram::BucketBoundaries{1, 2, 4, 6, 8, 10, 12, 15,
                                                                        20, 30, 45, 60, 120})),
      registry_refused(prometheus::BuildCounter()
                           .Name("tmon_fleet_registry_refused_total")
                           .Help("Registry cameras not kept: past fleet.max_cameras")
                           .Register(registry)
                           .Add({{"instance", instance}})),
      registry_invalid(prometheus::BuildCounter()
                           .Name("tmon_fleet_registry_invalid_total")
                           .Help("Registry records that are not a camera (skipped)")
                           .Register(registry)
                           .Add({{"instance", instance}})),
      start_failures(prometheus::BuildCounter()
                         .Name("tmon_fleet_camera_start_failures_total")
                         .Help("Owned cameras detection refused to start")
                         .Register(registry)
                         .Add({{"instance", instance}})) {}

}  // namespace tmon::fleet
