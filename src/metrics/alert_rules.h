#pragma once

// Prometheus alerting rules for tmon, generated from the `alerts:` thresholds
// of config/monitoring.yaml so the rules Prometheus evaluates and the
// thresholds operators configure cannot drift apart. `tmon alerts render`
// writes them; deploy/alerts.yml is that output for the shipped config.

#include <string>
#include <vector>

#include "config/config.h"

namespace tmon::metrics {

// One Prometheus alerting rule. `for_duration` is a Prometheus duration
// ("5m"); `severity` is "warning" or "critical"; `summary` and `description`
// may use Prometheus templating ({{ $labels.x }}, {{ $value }}); the
// description says what to do.
struct AlertRule {
  std::string name;
  std::string expr;
  std::string for_duration;
  std::string severity;
  std::string summary;
  std::string description;
};

// The rules for the given thresholds, in a stable order. A threshold that
// disables its check (min_available_keys 0) leaves its rule out.
std::vector<AlertRule> alert_rules(const config::AlertThresholds& thresholds);

// A Prometheus rule file (YAML) with one group, "tmon", holding `rules`.
// Deterministic: the same rules always render to the same bytes.
std::string render_rule_file(const std::vector<AlertRule>& rules);

// A number as PromQL and YAML want it: shortest exact form, no exponent for
// everyday values (5 -> "5", 0.05 -> "0.05", 1000 -> "1000").
std::string format_threshold(double value);

}  // namespace tmon::metrics
