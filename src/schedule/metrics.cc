#include "schedule/metrics.h"

#include <algorithm>
#include <cctype>

#include "metrics/exposition.h"

namespace tmon::schedule {
namespace {

double seconds(Millis duration) {
  return static_cast<double>(duration.count()) / 1000.0;
}

// Permit waits are mostly zero or a fraction of a second; a cooling account
// makes them seconds to a minute.
const prometheus::Histogram::BucketBoundaries& permit_wait_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60};
  return kBuckets;
}

double key_status_value(KeyState state) {
  switch (state) {
    case KeyState::kAvailable:
      return 1;
    case KeyState::kCooling:
      return 0;
    case KeyState::kDisabled:
      return -1;
  }
  return -1;
}

bool contains(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

SchedulerMetrics::SchedulerMetrics(prometheus::Registry& registry)
    : llm_calls(prometheus::BuildCounter()
                    .Name("llm_calls_total")
                    .Help("LLM provider call attempts, by outcome, key and account")
                    .Register(registry)),
      llm_latency(prometheus::BuildHistogram()
                      .Name("llm_latency_seconds")
                      .Help("Time of one LLM provider call attempt, whatever its outcome")
                      .Register(registry)),
      key_status(prometheus::BuildGauge()
                     .Name("api_key_status")
                     .Help("API key state: 1 available, 0 cooling after a 429, -1 disabled")
                     .Register(registry)),
      key_cooldown_remaining(prometheus::BuildGauge()
                                 .Name("key_cooldown_remaining_seconds")
                                 .Help("Seconds until the key's account may be called again "
                                       "after a 429 (0 when not cooling)")
                                 .Register(registry)),
      queue_depth(prometheus::BuildGauge()
                      .Name("scheduler_queue_depth")
                      .Help("Tasks waiting in the scheduler for a key or a call slot")
                      .Register(registry)
                      .Add({})),
      in_flight(prometheus::BuildGauge()
                    .Name("scheduler_in_flight")
                    .Help("LLM calls in flight")
                    .Register(registry)
                    .Add({})),
      permit_wait(prometheus::BuildHistogram()
                      .Name("scheduler_permit_wait_seconds")
                      .Help("Time the next task waited for a rate-limit permit before its call, "
                            "by the account that granted it")
                      .Register(registry)),
      rate_limited(prometheus::BuildCounter()
                       .Name("llm_rate_limited_total")
                       .Help("429 rate-limit answers from the provider, by account and the "
                             "limit named: provider_qps, provider_rpm, provider_tpm, "
                             "provider_quota, or provider when unspecified")
                       .Register(registry)),
      retries(prometheus::BuildCounter()
                  .Name("llm_retries_total")
                  .Help("Task retries after a failed call, by the failed call's status")
                  .Register(registry)),
      results(prometheus::BuildCounter()
                  .Name("scheduler_results_total")
                  .Help("Final task results: ok, error, expired, rejected (superseded)")
                  .Register(registry)),
      tasks_expired(prometheus::BuildCounter()
                        .Name("tasks_expired_total")
                        .Help("Tasks whose deadline passed before they could be assessed, by "
                              "stage")
                        .Register(registry)),
      limiter_fallback(prometheus::BuildGauge()
                           .Name("rate_limiter_fallback_active")
                           .Help("1 while the shared (Redis) rate limiter is unreachable and "
                                 "local buckets at a fair share of each limit are used")
                           .Register(registry)
                           .Add({})),
      submitted(prometheus::BuildCounter()
                    .Name("scheduler_tasks_submitted_total")
                    .Help("Tasks handed to the scheduler's dispatcher")
                    .Register(registry)
                    .Add({})),
      task_errors(prometheus::BuildCounter()
                      .Name("scheduler_task_errors_total")
                      .Help("Final error results, by code (a call status, bad_response, ...)")
                      .Register(registry)),
      window_margin(prometheus::BuildGauge()
                        .Name("scheduler_window_margin_seconds")
                        .Help("How much longer the scheduler's rate windows are than the "
                              "provider's: the floor, the permit-to-send spread and what 429s "
                              "taught about the network")
                        .Register(registry)
                        .Add({})),
      margin_increases(prometheus::BuildCounter()
                           .Name("scheduler_window_margin_increases_total")
                           .Help("429s the windows did not predict that widened the margin")
                           .Register(registry)
                           .Add({})),
      key_probes(prometheus::BuildCounter()
                     .Name("api_key_probes_total")
                     .Help("Probes of keys the provider disabled, by result: reenabled, or "
                           "the call status that kept the key disabled")
                     .Register(registry)),
      keys_disabled(prometheus::BuildCounter()
                        .Name("api_key_disabled_total")
                        .Help("Keys disabled after the provider refused them (401/403, lasting "
                              "quota or billing)")
                        .Register(registry)),
      fallback_calls(prometheus::BuildCounter()
                         .Name("llm_fallback_calls_total")
                         .Help("Calls sent on a fallback model (llm.fallback_models), by model")
                         .Register(registry)),
      rule_assessments(prometheus::BuildCounter()
                           .Name("tmon_rule_assessments_total")
                           .Help("Tasks answered by the rule-based fallback (status ok, source "
                                 "rules) because no key could serve them before their deadline, "
                                 "by reason: no_usable_key, all_cooling, deadline, provider_error")
                           .Register(registry)),
      batch_calls(prometheus::BuildCounter()
                      .Name("llm_batch_calls_total")
                      .Help("LLM calls carrying several groups of one frame (llm.batch_groups)")
                      .Register(registry)
                      .Add({})),
      batch_groups(prometheus::BuildCounter()
                       .Name("llm_batch_groups_total")
                       .Help("Groups carried by batched calls (divided by llm_batch_calls_total: "
                             "groups per call)")
                       .Register(registry)
                       .Add({})),
      batch_fallbacks(prometheus::BuildCounter()
                          .Name("llm_batch_fallbacks_total")
                          .Help("Groups of a batched call asked again alone, by reason: "
                                "missing_group (the reply left it out), unreadable (the reply "
                                "could not be parsed)")
                          .Register(registry)) {
  // Zero series for every bounded label value known now (keys come with
  // set_keys()), so rate() sees the first event and dashboards find them.
  for (const char* reason : {"no_usable_key", "all_cooling", "deadline", "provider_error"}) {
    rule_assessments.Add({{"reason", reason}});
  }
  for (const char* reason : {"missing_group", "unreadable"})
    batch_fallbacks.Add({{"reason", reason}});
  for (const char* status : {"ok", "error", "expired", "rejected"}) {
    results.Add({{"status", status}});
  }
  for (const auto kind : kCallErrorKinds) {
    retries.Add({{"reason", std::string(call_status(kind))}});
  }
  tasks_expired.Add({{"stage", "schedule"}});
}

void SchedulerMetrics::record_result(messages::ResultStatus status, const std::string& code) {
  results.Add({{"status", std::string(messages::to_string(status))}}).Increment();
  if (status == messages::ResultStatus::kExpired) {
    tasks_expired.Add({{"stage", "schedule"}}).Increment();
  }
  if (status == messages::ResultStatus::kError) task_errors.Add({{"code", code}}).Increment();
}

DispatcherStats SchedulerMetrics::task_stats() const {
  DispatcherStats out;
  const auto count = [](const prometheus::Counter& counter) {
    return static_cast<int64_t>(counter.Value());
  };
  out.submitted = count(submitted);
  for (const auto& family : {&results, &retries, &task_errors}) {
    for (const auto& metric : family->Collect()) {
      for (const auto& sample : metric.metric) {
        const auto value = static_cast<int64_t>(sample.counter.value);
        const std::string label = sample.label.empty() ? "" : sample.label.front().value;
        if (family == &retries) {
          out.retries += value;
        } else if (family == &task_errors) {
          if (value > 0) out.errors_by_code[label] = value;
        } else if (label == "ok") {
          out.ok = value;
        } else if (label == "error") {
          out.errors = value;
        } else if (label == "expired") {
          out.expired = value;
        } else if (label == "rejected") {
          out.rejected = value;
        }
      }
    }
  }
  return out;
}

void SchedulerMetrics::record_call(const std::string& key_id, const std::string& account,
                                   std::string_view status, Millis latency) {
  llm_calls.Add({{"status", std::string(status)}, {"key_id", key_id}, {"account", account}})
      .Increment();
  llm_latency.Add({{"account", account}}, metrics::latency_buckets()).Observe(seconds(latency));
}

void SchedulerMetrics::record_rate_limited(const std::string& account,
                                           const llm::CallError& error) {
  rate_limited.Add({{"account", account}, {"reason", std::string(rate_limit_reason(error))}})
      .Increment();
}

void SchedulerMetrics::record_permit_wait(const std::string& account, Millis waited) {
  permit_wait.Add({{"account", account}}, permit_wait_buckets())
      .Observe(seconds(std::max(Millis(0), waited)));
}

void SchedulerMetrics::set_keys(const std::vector<KeySnapshot>& keys) {
  std::lock_guard lock(keys_mu_);
  std::set<std::pair<std::string, std::string>> current;
  for (const auto& key : keys) {
    const prometheus::Labels labels{{"key_id", key.id}, {"account", key.account}};
    key_status.Add(labels).Set(key_status_value(key.state));
    key_cooldown_remaining.Add(labels).Set(seconds(key.cooldown_remaining));
    current.emplace(key.id, key.account);
    if (!exported_keys_.contains({key.id, key.account})) init_key_locked(key.id, key.account);
  }
  for (const auto& [key_id, account] : exported_keys_) {
    if (current.contains({key_id, account})) continue;
    const prometheus::Labels labels{{"key_id", key_id}, {"account", account}};
    key_status.Remove(&key_status.Add(labels));
    key_cooldown_remaining.Remove(&key_cooldown_remaining.Add(labels));
  }
  exported_keys_ = std::move(current);
}

void SchedulerMetrics::init_key_locked(const std::string& key_id, const std::string& account) {
  llm_calls.Add({{"status", std::string(kCallSuccess)}, {"key_id", key_id}, {"account", account}});
  for (const auto kind : kCallErrorKinds) {
    llm_calls.Add(
        {{"status", std::string(call_status(kind))}, {"key_id", key_id}, {"account", account}});
  }
  for (const char* reason : {"provider_qps", "provider_rpm", "provider_tpm", "provider_quota",
                             "provider_burst", "provider"}) {
    rate_limited.Add({{"account", account}, {"reason", reason}});
  }
  llm_latency.Add({{"account", account}}, metrics::latency_buckets());
  permit_wait.Add({{"account", account}}, permit_wait_buckets());
}

std::string_view call_status(llm::CallErrorKind kind) {
  switch (kind) {
    case llm::CallErrorKind::kRateLimited:
      return "rate_limited";
    case llm::CallErrorKind::kQuotaThrottled:
      return "quota_throttled";
    case llm::CallErrorKind::kAuthFailed:
      return "auth_failed";
    case llm::CallErrorKind::kQuotaExhausted:
      return "quota_exhausted";
    case llm::CallErrorKind::kBadRequest:
      return "bad_request";
    case llm::CallErrorKind::kServerError:
      return "server_error";
    case llm::CallErrorKind::kTimeout:
      return "timeout";
    case llm::CallErrorKind::kConnection:
      return "connection_error";
    case llm::CallErrorKind::kBadResponse:
      return "bad_response";
  }
  return "server_error";
}

std::string_view rate_limit_reason(const llm::CallError& error) {
  std::string text = error.provider_code + " " + error.message;
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (error.throttle == llm::Throttle::kBurst) return "provider_burst";
  if (error.throttle == llm::Throttle::kTokens) return "provider_tpm";
  // Providers rarely say which window they enforced; DashScope's
  // Throttling.AllocationQuota is its token quota, OpenAI says "tokens per
  // min (TPM)" or "requests per min (RPM)".
  if (contains(text, "per second") || contains(text, "qps")) return "provider_qps";
  if (contains(text, "token") || contains(text, "tpm")) return "provider_tpm";
  if (contains(text, "per min") || contains(text, "rpm")) return "provider_rpm";
  if (contains(text, "allocationquota") || contains(text, "quota")) return "provider_quota";
  return "provider";
}

}  // namespace tmon::schedule
