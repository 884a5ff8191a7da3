#include "config/field_io.h"
#include "config/sections.h"

namespace tmon::config {

void read_monitoring_file(MapReader& root, MonitoringConfig& monitoring) {
  read_fields(root, monitoring);
}

}  // namespace tmon::config
