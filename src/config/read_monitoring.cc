#include "config/sections.h"

namespace tmon::config {
namespace {

void read_logging(MapReader r, LoggingConfig& logging) {
  r.read("level", logging.level, log_level());
  r.read("json", logging.json);
  r.read("file", logging.file);
}

void read_metrics(MapReader r, MetricsConfig& metrics) {
  r.read("enabled", metrics.enabled);
  r.read("host", metrics.host, non_empty("host"));
  r.read("port_base", metrics.port_base, port());
}

void read_alerts(MapReader r, AlertThresholds& alerts) {
  r.read("latency_p95_seconds", alerts.latency_p95_seconds, number_above(0));
  r.read("error_rate", alerts.error_rate, number_between(0, 1));
  r.read("consumer_lag", alerts.consumer_lag, int_at_least(0));
  r.read("key_failure_rate", alerts.key_failure_rate, number_between(0, 1));
  r.read("min_available_keys", alerts.min_available_keys, int_at_least(0));
  r.read("dead_letters_per_minute", alerts.dead_letters_per_minute, number_at_least(0));
}

}  // namespace

void read_monitoring_file(MapReader& root, MonitoringConfig& monitoring) {
  read_logging(root.map("logging"), monitoring.logging);
  read_metrics(root.map("metrics"), monitoring.metrics);
  read_alerts(root.map("alerts"), monitoring.alerts);
}

}  // namespace tmon::config
