#include "metrics/alert_rules.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

namespace tmon::metrics {
namespace {

// YAML single-quoted scalar: only the quote itself needs escaping (doubled),
// so PromQL's double quotes and Go templates' braces stay readable.
std::string quoted(const std::string& text) {
  assert(text.find('\n') == std::string::npos);
  std::string out = "'";
  for (const char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

}  // namespace

std::string format_threshold(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<long long>(value));
  }
  // Shortest representation that reads back as the same double.
  return fmt::format("{}", value);
}

std::vector<AlertRule> alert_rules(const config::AlertThresholds& t) {
  std::vector<AlertRule> rules;
  const std::string lag = format_threshold(t.consumer_lag);
  const std::string p95 = format_threshold(t.latency_p95_seconds);
  const std::string error_rate = format_threshold(t.error_rate);
  const std::string key_failure_rate = format_threshold(t.key_failure_rate);
  const std::string dead_letters = format_threshold(t.dead_letters_per_minute);

  rules.push_back(
      {"TmonTargetDown", "up{job=~\"tmon.*\"} == 0", "1m", "critical",
       "tmon target {{ $labels.job }} at {{ $labels.instance }} is down",
       "Prometheus cannot scrape {{ $labels.instance }} (job {{ $labels.job }}): the process is "
       "not running, crashed, or does not listen where prometheus.yml says. Check `systemctl "
       "status tmon-...` or `docker compose ps`, then the process log for a fatal error "
       "(config error exits with code 2); restart it once the cause is fixed."});

  rules.push_back(
      {"TmonLlmLatencyP95High",
       "histogram_quantile(0.95, sum by (account, le) (rate(llm_latency_seconds_bucket[5m]))) > " +
           p95,
       "5m", "warning",
       "LLM p95 latency for account {{ $labels.account }} is {{ $value | humanizeDuration }} "
       "(threshold " +
           p95 + " s)",
       "Calls to the LLM provider through account {{ $labels.account }} are slow, so results "
       "arrive late and tasks may expire. Check the provider's status page and the "
       "network path to it; compare with the other accounts on the dashboard (LLM latency "
       "panel). If only this account is slow, lower its weight or disable its keys; if the "
       "provider is slow everywhere, raise scheduler.timeout_seconds or tasks.max_age_seconds "
       "only if stale results are acceptable."});

  rules.push_back(
      {"TmonLlmErrorRateHigh",
       "sum(rate(llm_calls_total{status!=\"success\"}[5m])) / sum(rate(llm_calls_total[5m])) > " +
           error_rate,
       "5m", "warning",
       "{{ $value | humanizePercentage }} of LLM calls fail (threshold " + error_rate + ")",
       "More LLM calls than allowed end in an error. See the 'LLM calls by status' panel for "
       "which status dominates: rate_limited means the configured qps_limit/rpm_limit are above "
       "the provider's real limits (lower them in api_keys.yaml); auth_failed/quota_exhausted "
       "mean a key or account needs attention (top it up, rotate the key, then POST "
       "/api/scheduler/keys/ID/enable or reload with SIGHUP); timeout/connection_error/"
       "server_error point at the provider or the network; bad_response at the model's "
       "output format."});

  rules.push_back(
      {"TmonApiKeyFailureRateHigh",
       "sum by (key_id, account) (rate(llm_calls_total{status!=\"success\"}[5m])) / sum by "
       "(key_id, "
       "account) (rate(llm_calls_total[5m])) > " +
           key_failure_rate,
       "5m", "warning",
       "API key {{ $labels.key_id }} fails {{ $value | humanizePercentage }} of its calls "
       "(threshold " +
           key_failure_rate + ")",
       "Key {{ $labels.key_id }} (account {{ $labels.account }}) fails much more often than it "
       "should while the others may be fine. Run `tmon keys verify` to see whether it is "
       "invalid, rate limited or out of quota; rotate or top up the key, or set enabled: false "
       "for it in api_keys.yaml and reload (SIGHUP) until it is fixed."});

  rules.push_back(
      {"TmonApiKeyDisabled", "min by (key_id, account) (api_key_status) == -1", "1m", "warning",
       "API key {{ $labels.key_id }} is disabled",
       "The scheduler disabled key {{ $labels.key_id }} (account {{ $labels.account }}) after "
       "an authentication or quota error; it takes no traffic until an operator re-enables "
       "it. Fix the key (rotate it, or top up the account), check it with `tmon keys verify`, "
       "then re-enable it through the admin endpoint or reload the config (SIGHUP)."});

  if (t.min_available_keys > 0) {
    const std::string min_keys = std::to_string(t.min_available_keys);
    rules.push_back(
        {"TmonTooFewAvailableKeys",
         "(count(max by (key_id, account) (api_key_status) == 1) or vector(0)) < " + min_keys +
             " and on() (count(api_key_status) > 0)",
         "2m", "critical", "Only {{ $value }} API key(s) available (minimum " + min_keys + ")",
         "Too few API keys can take calls: the others are cooling after 429s or disabled, so "
         "tasks queue up, wait and expire. Check the 'API key states' and '429s' panels. All "
         "keys cooling means the provider's real limits are below the configured "
         "qps_limit/rpm_limit (lower them, or add keys/accounts); disabled keys need fixing "
         "and re-enabling (`tmon keys verify`)."});
  }

  rules.push_back(
      {"TmonConsumerLagHigh",
       "sum by (group, topic) (max by (group, topic, partition) (kafka_consumer_lag)) > " + lag,
       "5m", "warning",
       "Consumer group {{ $labels.group }} lags {{ $value }} messages on {{ $labels.topic }} "
       "(threshold " +
           lag + ")",
       "Group {{ $labels.group }} consumes {{ $labels.topic }} slower than it is produced, so "
       "results get stale and tasks expire. Find the slow stage on the dashboard: for "
       "tmon-schedule look at queue depth, in-flight calls and key states (the LLM keys are "
       "usually the bottleneck: add keys or accounts, or raise max_concurrent_tasks); "
       "otherwise start another instance of the stage in the same group (up to the topic's "
       "partition count), or sample cameras less often."});

  rules.push_back(
      {"TmonDeadLetters", "sum(rate(dead_letters_total[5m])) * 60 > " + dead_letters, "2m",
       "warning",
       "{{ $value | humanize }} messages per minute go to the dead-letter topic (threshold " +
           dead_letters + ")",
       "Messages that cannot be processed (invalid JSON, missing fields, a rejected result) "
       "are being dead-lettered. The 'Dead letters' panel shows the topic, stage and reason; "
       "read a few from the dead-letter topic (e.g. `kcat -C -t tmon-dead-letter -o -5 -e`) "
       "to see the payload. Usually a producer with an incompatible schema version or a bug: "
       "fix the producer; the pipeline itself carries on."});

  rules.push_back(
      {"TmonRateLimiterFallback", "max by (job, instance) (rate_limiter_fallback_active) > 0", "1m",
       "warning",
       "Scheduler {{ $labels.instance }} paces LLM calls locally (Redis limiter unreachable)",
       "The scheduler cannot reach Redis for the shared rate limits and falls back to local "
       "buckets at 1/expected_instances of every limit: throughput drops, and if "
       "rate_limit.expected_instances is wrong the keys may be over-driven. Check Redis "
       "(`redis-cli -u URL ping`, its memory and connections) and the network; the scheduler "
       "probes Redis every probe_interval_seconds and returns to shared limits by itself."});

  rules.push_back(
      {"TmonCameraDown", "detect_camera_up == 0", "5m", "warning",
       "Camera {{ $labels.camera_id }} delivers no frames",
       "The camera's source cannot be opened or stopped delivering frames; the grabber retries "
       "with backoff. Check the camera (`GET /api/cameras/{{ $labels.camera_id }}` shows the "
       "last error), its URL and credentials in pipeline.yaml, and the network path to it."});

  return rules;
}

std::string render_rule_file(const std::vector<AlertRule>& rules) {
  std::string out =
      "# tmon alerting rules for Prometheus.\n"
      "# Generated by `tmon alerts render` from the alerts: thresholds of monitoring.yaml;\n"
      "# do not edit by hand: change the thresholds, then run\n"
      "#   tmon alerts render --config-dir config --output deploy/alerts.yml\n"
      "# What each alert means and what to do: docs/OPERATIONS.md.\n"
      "groups:\n"
      "  - name: tmon\n"
      "    rules:\n";
  for (const auto& rule : rules) {
    out += "      - alert: " + rule.name + "\n";
    out += "        expr: " + quoted(rule.expr) + "\n";
    out += "        for: " + rule.for_duration + "\n";
    out += "        labels:\n";
    out += "          severity: " + rule.severity + "\n";
    out += "        annotations:\n";
    out += "          summary: " + quoted(rule.summary) + "\n";
    out += "          description: " + quoted(rule.description) + "\n";
  }
  return out;
}

}  // namespace tmon::metrics
