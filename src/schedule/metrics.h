#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "llm/chat.h"
#include "messages/messages.h"
#include "schedule/key_pool.h"

namespace tmon::schedule {

// The dispatcher's task counts, as its counters hold them (plus the queue
// and in-flight figures only it knows).
struct DispatcherStats {
  int64_t submitted = 0;
  int64_t ok = 0;
  int64_t errors = 0;
  int64_t expired = 0;
  int64_t rejected = 0;  // superseded by a newer frame of the same group
  int64_t retries = 0;
  std::map<std::string, int64_t> errors_by_code;
  size_t queued = 0;
  size_t queued_bytes = 0;
  size_t in_flight = 0;
};

// The `status` of llm_calls_total for a call that yielded an assessment.
inline constexpr std::string_view kCallSuccess = "success";

// The LLM scheduler's metrics. Labels are bounded: key_id and account come
// from the keys file, status and reason from fixed vocabularies below; never
// a task, request or camera id. (Prometheus adds `instance` per scrape target.)
//
// Counters and histograms are updated as calls happen (Dispatcher); gauges
// that mirror state kept elsewhere (key states, queue depth) are set by
// Scheduler::update_metrics(), which runs before each scrape.
//
// Thread-safe (prometheus-cpp metrics are; key series bookkeeping is locked).
struct SchedulerMetrics {
  explicit SchedulerMetrics(prometheus::Registry& registry);

  // One per provider call attempt, + status (see call_status), key_id, account.
  prometheus::Family<prometheus::Counter>& llm_calls;
  prometheus::Family<prometheus::Histogram>& llm_latency;  // + account; seconds per attempt
  prometheus::Family<prometheus::Gauge>& key_status;       // 1 available, 0 cooling, -1 disabled
  prometheus::Family<prometheus::Gauge>& key_cooldown_remaining;  // seconds, per key's account
  prometheus::Gauge& queue_depth;                                 // tasks waiting for a key
  prometheus::Gauge& in_flight;                                   // calls in flight
  prometheus::Family<prometheus::Histogram>& permit_wait;         // + account; seconds per call
  prometheus::Family<prometheus::Counter>& rate_limited;          // 429s, + account, reason
  prometheus::Family<prometheus::Counter>& retries;         // + reason (the failed call's status)
  prometheus::Family<prometheus::Counter>& results;         // final results, + status
  prometheus::Family<prometheus::Counter>& tasks_expired;   // + stage
  prometheus::Gauge& limiter_fallback;                      // 1 while Redis limits fell back
  prometheus::Counter& submitted;                           // tasks handed to the dispatcher
  prometheus::Family<prometheus::Counter>& task_errors;     // error results, + code
  prometheus::Gauge& window_margin;                         // seconds, the learned window margin
  prometheus::Counter& margin_increases;                    // unpredicted 429s that widened it
  prometheus::Family<prometheus::Counter>& key_probes;      // + key_id, result
  prometheus::Family<prometheus::Counter>& keys_disabled;   // + key_id: by the provider's answer
  prometheus::Family<prometheus::Counter>& fallback_calls;  // + model: calls on a fallback model
  // Rule-based results (schedule.rule_fallback), + reason: no_usable_key,
  // all_cooling, deadline, provider_error.
  prometheus::Family<prometheus::Counter>& rule_assessments;
  // Frame-level batching (llm.batch_groups): calls carrying several groups,
  // the groups they carried, and groups asked again alone, + reason
  // (missing_group: the reply left it out; unreadable: the reply was not JSON).
  prometheus::Counter& batch_calls;
  prometheus::Counter& batch_groups;
  prometheus::Family<prometheus::Counter>& batch_fallbacks;

  // Counts one final result (and its error code for errors).
  void record_result(messages::ResultStatus status, const std::string& code);
  // The task counts as the counters hold them.
  DispatcherStats task_stats() const;

  // Counts one provider call attempt; `status` is kCallSuccess or a call_status().
  void record_call(const std::string& key_id, const std::string& account, std::string_view status,
                   Millis latency);
  // Counts a 429 from the provider for `account`.
  void record_rate_limited(const std::string& account, const llm::CallError& error);
  void record_permit_wait(const std::string& account, Millis waited);

  // Sets the key gauges from a snapshot; removes the series of keys that are
  // no longer configured (SIGHUP), so removed keys do not linger as stale.
  void set_keys(const std::vector<KeySnapshot>& keys);

 private:
  void init_key_locked(const std::string& key_id, const std::string& account);

  std::mutex keys_mu_;
  std::set<std::pair<std::string, std::string>> exported_keys_;  // (key_id, account)
};

// The `status` label of llm_calls_total for a failed call: rate_limited,
// quota_throttled, auth_failed, quota_exhausted, server_error, timeout,
// connection_error, bad_request, bad_response. A success is kCallSuccess.
std::string_view call_status(llm::CallErrorKind kind);

inline constexpr llm::CallErrorKind kCallErrorKinds[] = {
    llm::CallErrorKind::kRateLimited, llm::CallErrorKind::kQuotaThrottled,
    llm::CallErrorKind::kAuthFailed,  llm::CallErrorKind::kQuotaExhausted,
    llm::CallErrorKind::kBadRequest,  llm::CallErrorKind::kServerError,
    llm::CallErrorKind::kTimeout,     llm::CallErrorKind::kConnection,
    llm::CallErrorKind::kBadResponse};

// The `reason` label of llm_rate_limited_total: which provider limit a 429
// names, as far as its code and message tell: provider_qps (per second),
// provider_rpm (per minute), provider_tpm (tokens), provider_quota (an
// allocation quota that throttles), provider_burst (the rate rose too
// quickly), or "provider" when they do not say.
std::string_view rate_limit_reason(const llm::CallError& error);

}  // namespace tmon::schedule
