#include "metrics/alert_rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace tmon::metrics {
namespace {

const AlertRule* find_rule(const std::vector<AlertRule>& rules, const std::string& name) {
  const auto it = std::find_if(rules.begin(), rules.end(),
                               [&](const AlertRule& rule) { return rule.name == name; });
  return it == rules.end() ? nullptr : &*it;
}

TEST(AlertRulesTest, FormatsThresholdsWithoutNoise) {
  EXPECT_EQ(format_threshold(5.0), "5");
  EXPECT_EQ(format_threshold(1000), "1000");
  EXPECT_EQ(format_threshold(0.05), "0.05");
  EXPECT_EQ(format_threshold(0.2), "0.2");
  EXPECT_EQ(format_threshold(2.5), "2.5");
  EXPECT_EQ(format_threshold(0), "0");
}

TEST(AlertRulesTest, ThresholdsFromConfigAppearInTheExpressions) {
  config::AlertThresholds thresholds;
  thresholds.latency_p95_seconds = 7.5;
  thresholds.error_rate = 0.1;
  thresholds.consumer_lag = 250;
  thresholds.key_failure_rate = 0.3;
  thresholds.min_available_keys = 2;
  thresholds.dead_letters_per_minute = 4;
  const auto rules = alert_rules(thresholds);

  const auto expect_suffix = [&](const std::string& name, const std::string& suffix) {
    const AlertRule* rule = find_rule(rules, name);
    ASSERT_NE(rule, nullptr) << name;
    ASSERT_GE(rule->expr.size(), suffix.size()) << rule->expr;
    EXPECT_EQ(rule->expr.substr(rule->expr.size() - suffix.size()), suffix) << rule->expr;
  };
  expect_suffix("TmonLlmLatencyP95High", "[5m]))) > 7.5");
  expect_suffix("TmonLlmErrorRateHigh", " > 0.1");
  expect_suffix("TmonConsumerLagHigh", "(kafka_consumer_lag)) > 250");
  expect_suffix("TmonApiKeyFailureRateHigh", " > 0.3");
  expect_suffix("TmonDeadLetters", "* 60 > 4");
  const AlertRule* keys = find_rule(rules, "TmonTooFewAvailableKeys");
  ASSERT_NE(keys, nullptr);
  EXPECT_NE(keys->expr.find("or vector(0)) < 2"), std::string::npos) << keys->expr;
}

TEST(AlertRulesTest, EveryRuleIsComplete) {
  const auto rules = alert_rules(config::AlertThresholds{});
  std::set<std::string> names;
  for (const auto& rule : rules) {
    SCOPED_TRACE(rule.name);
    EXPECT_TRUE(names.insert(rule.name).second) << "duplicate alert name";
    EXPECT_FALSE(rule.expr.empty());
    EXPECT_FALSE(rule.for_duration.empty());
    EXPECT_TRUE(rule.severity == "warning" || rule.severity == "critical") << rule.severity;
    EXPECT_FALSE(rule.summary.empty());
    EXPECT_GT(rule.description.size(), 80u) << "the description should say what to do";
  }
  for (const char* required :
       {"TmonTargetDown", "TmonLlmLatencyP95High", "TmonLlmErrorRateHigh", "TmonConsumerLagHigh",
        "TmonApiKeyFailureRateHigh", "TmonTooFewAvailableKeys", "TmonRateLimiterFallback",
        "TmonDeadLetters"}) {
    EXPECT_TRUE(names.contains(required)) << required;
  }
}

TEST(AlertRulesTest, ZeroMinimumKeysLeavesThatRuleOut) {
  config::AlertThresholds thresholds;
  thresholds.min_available_keys = 0;
  EXPECT_EQ(find_rule(alert_rules(thresholds), "TmonTooFewAvailableKeys"), nullptr);
}

TEST(AlertRulesTest, RendersOneGroupWithQuotedScalars) {
  const std::vector<AlertRule> rules{
      {"A", "up{job=\"x\"} == 0", "1m", "critical", "it's {{ $labels.job }}", "do 'this'"}};
  const std::string yaml = render_rule_file(rules);
  EXPECT_NE(yaml.find("groups:\n  - name: tmon\n    rules:\n      - alert: A\n"),
            std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("        expr: 'up{job=\"x\"} == 0'\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("        for: 1m\n        labels:\n          severity: critical\n"),
            std::string::npos)
      << yaml;
  // Single quotes are doubled inside single-quoted YAML scalars.
  EXPECT_NE(yaml.find("          summary: 'it''s {{ $labels.job }}'\n"), std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("          description: 'do ''this'''\n"), std::string::npos) << yaml;
  EXPECT_EQ(render_rule_file(rules), yaml) << "rendering must be deterministic";
}

}  // namespace
}  // namespace tmon::metrics
