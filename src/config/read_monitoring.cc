#include "config/field_io.h"
#include "config/sections.h"

namespace tmon::config {

void read_monitoring_file(MapReader& root, MonitoringConfig& monitoring) {
  read_fields(root.map("logging"), monitoring.logging);
  read_fields(root.map("metrics"), monitoring.metrics);
  read_fields(root.map("alerts"), monitoring.alerts);
}

}  // namespace tmon::config
