#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "llm/chat.h"
#include "llm/token_estimate.h"
#include "schedule/cooldown_policy.h"
#include "schedule/key_state_store.h"
#include "schedule/margin_learner.h"
#include "schedule/rate_limiter.h"
#include "schedule/scheduler_sections.h"

namespace tmon::schedule {

enum class KeyState { kAvailable, kCooling, kDisabled };
std::string_view to_string(KeyState state);

// A key handed out for one call, with its permit already taken.
struct Lease {
  std::string key_id;
  std::string secret;
  std::string account;          // the provider account (limits, metrics)
  std::string limiter_account;  // its windows for `model` (see limiter_account())
  std::string model;
  TokenCharge tokens;  // charged at acquire; corrected by finish()
  Millis margin{0};    // the window margin the permit was taken with
  SteadyTime granted_at{};
  bool probe = false;        // a probe of a disabled key, not a task's call
  int64_t permit_entry = 0;  // the permit's id in the account's windows (delay_permit)
};

struct LeaseResult {
  std::optional<Lease> lease;
  Millis retry_in{0};          // without a lease: when a permit may be free
  bool no_usable_key = false;  // without a lease: every key is disabled
  bool all_cooling = false;    // without a lease: every usable key's account rests after refusals
};

// A model a task may be assessed with, and its prompt's tokens under that
// model's rule (llm::prompt_tokens).
struct ModelChoice {
  std::string model;
  int64_t prompt_tokens = 0;
};

// What a call needs from the pool: models in order of preference (the first
// is llm.model; more only with llm.fallback_models), the reply's token cap,
// the task's deadline, and keys to avoid (those the task already failed on).
struct LeaseRequest {
  std::vector<ModelChoice> models;
  int max_tokens = 1024;
  int64_t deadline_ms = 0;  // epoch ms; 0: none
  std::set<std::string> avoid;
};

// How a leased call ended.
struct CallOutcome {
  std::optional<llm::CallErrorKind> error;  // nullopt: success
  llm::Throttle throttle = llm::Throttle::kNone;
  std::string provider_code;  // e.g. "limit_requests"
  std::optional<Millis> retry_after;
  int total_tokens = 0;
  int completion_tokens = 0;
  Millis latency{0};
  bool cancelled = false;  // the lease was not used: no call was made
};

// What finish() did to the key or its account, for logs and metrics.
struct FinishEffect {
  bool margin_grew = false;
  bool disabled = false;
  bool reenabled = false;  // a probe's success
  Millis cooled_for{0};
  // For a throttle (429): the margin after it, and the account's permits
  // shortly before this one (when, and how long each took to be written),
  // for the one log line that explains the 429 (Dispatcher::log_refusal).
  Millis margin_after{0};
  std::string permits_before;
};

// What operators may see of a key: never the secret.
struct KeySnapshot {
  std::string id;
  std::string masked;
  std::string account;
  double weight = 1;
  KeyState state = KeyState::kAvailable;
  std::string disabled_reason;
  int in_flight = 0;
  int64_t calls = 0;
  int64_t successes = 0;
  int64_t failures = 0;
  std::map<std::string, int64_t> rate_limited;  // 429s by provider code
  Millis cooldown_remaining{0};
  Millis next_probe_in{0};  // disabled by the provider: when it is tried again
  PermitsLeft permits_left;
  double mean_latency_ms = 0;
};

struct RampSettings {
  Millis ramp_up{5'000};
  double start_fraction = 0.2;
  Millis after_idle{0};  // 0: ramp only after a burst 429
};

// Everything the pool decides by, from config (start-up and SIGHUP).
struct KeyPoolSettings {
  CooldownSettings cooldown;
  MarginSettings margin;
  RampSettings ramp;
  Millis probe_interval{300'000};
  std::string model = "qwen-vl-plus";
  std::vector<std::string> fallback_models;
  std::map<std::string, llm::TokenRule> token_rules;  // by model; others: TokenRule{}
  int max_tokens = 1024;
  Millis token_pace{0};  // rate_limit.token_pace_seconds (AccountLimits::token_pace)
};

// The key pool's part of the scheduler's sections.
KeyPoolSettings key_pool_settings(const SchedulerSections& config);

// The API keys one scheduler uses (DESIGN.md §3): their accounts, states
// (available, cooling, disabled), in-flight counts and statistics.
//
// lease() picks, among keys whose account has a free permit, the one with
// the fewest calls in flight per unit of weight (ties rotate, so load spreads
// evenly) and takes the permit from the rate limiter, charging the call's
// estimated tokens (prompt + expected completion). With fallback models, a
// task that could not be sent on its model before its deadline takes the
// next model with a permit. finish() feeds each outcome back:
//  - tokens: the charge is corrected to the usage (refunded for rejections);
//  - 429 limit_requests: the margin learns (MarginLearner) and the account
//    rests only until its next free slot; with Retry-After, at the largest
//    margin or the third in a row, the adaptive cooldown;
//  - 429 limit_burst_rate: the account's rate ramps up again (RampSettings);
//  - temporary quota (tokens per minute): the account cools, growing;
//  - unknown 429s: the adaptive cooldown;
//  - 401/403 and lasting quota: the key is disabled and probed every
//    probe_interval (probe_due()) until it answers.
//
// Thread-safe. lease(), finish() and snapshot() may block on the limiter
// and the key state store (Redis): call them off latency-sensitive threads.
class KeyPool {
 public:
  KeyPool(RateLimiter& limiter, KeyStateStore& states, KeyPoolSettings settings, Clock& clock);
  // Tests: cooldowns as given, no window margin floor, other settings default.
  KeyPool(RateLimiter& limiter, KeyStateStore& states, CooldownPolicy cooldowns, Clock& clock);

  // Installs keys and account limits (start-up and SIGHUP). Calls in flight
  // carry on; ids that stay keep their counts. With `reenable`, keys
  // disabled at runtime (here or by another instance) are enabled again:
  // reloading the config is how an operator says "try them again".
  void configure(const std::vector<config::ApiKeyConfig>& keys,
                 const std::vector<config::AccountConfig>& accounts, bool reenable = false);
  void set_settings(KeyPoolSettings settings);
  void set_cooldown_settings(CooldownSettings settings);

  LeaseResult lease(const LeaseRequest& request);
  // The primary model, no tokens, no deadline: tests and probes.
  LeaseResult lease(const std::set<std::string>& avoid = {});
  FinishEffect finish(const Lease& lease, const CallOutcome& outcome);
  // Returns a lease that was not used (its permit stays spent; its tokens
  // are refunded).
  void cancel(const Lease& lease);
  // The time from a permit to its request going out (MarginLearner). A
  // request written later than its permit's margin covers has its permit
  // moved to the written time in the account's windows (delay_permit): the
  // provider counts it from then, and the permit a window after it must
  // wait as long.
  void observe_send(const Lease& lease, SteadyTime sent_at);

  // A lease for one probe of a key the provider disabled, when one is due
  // (every probe_interval per key, claimed once across instances) and its
  // account has a permit. Finish it with finish(): success re-enables.
  std::optional<Lease> probe_due();
  // When the next probe falls due (nullopt: no key to probe).
  std::optional<SteadyTime> next_probe_at();

  // Operator actions; false when the id is unknown. A key an operator
  // disabled is not probed.
  bool enable(const std::string& key_id);
  bool disable(const std::string& key_id, const std::string& reason);

  std::vector<KeySnapshot> snapshot();
  size_t size() const;
  // Keys that could serve a call once a permit frees (not disabled).
  size_t usable() const;
  Millis margin();
  // Sum over accounts (primary model) of per-second limit × mean latency:
  // how many calls are in flight at full pace, for the warm connection pool.
  double expected_concurrency() const;
  const KeyPoolSettings& settings() const { return settings_; }

 private:
  struct Key {
    config::ApiKeyConfig config;
    std::string account;
    std::string disabled_reason;  // empty: enabled
    SteadyTime next_probe{};      // disabled by the provider: when to probe
    int in_flight = 0;
    int64_t calls = 0;
    int64_t successes = 0;
    int64_t failures = 0;
    int64_t latency_total_ms = 0;
    std::map<std::string, int64_t> rate_limited;
  };
  // One account and model's state (see limiter_account()).
  struct Account {
    CooldownState cooldown;        // after 429s on requests
    CooldownState quota_cooldown;  // after temporary quota (TPM) answers
    SteadyTime blocked_until{};    // last denial said: no permit before this
    int consecutive_429 = 0;       // at the current margin, since the last success
    // After a cooldown, one trial call at a time until one succeeds (a
    // half-open breaker): a cooldown that ends must not let a whole second's
    // permits run into the same refusal, each growing the rest.
    SteadyTime cooled_at{};  // when the last cooldown was set; older calls do not grow it
    bool half_open = false;
    bool trial_out = false;
    std::optional<SteadyTime> ramp_from;
    SteadyTime last_call{};
    double qps = 0;
    int64_t tokens_per_minute = 0;  // the TPM limit our windows enforce (0: none)
  };
  struct ModelStats {
    std::deque<int64_t> completions;  // completion tokens of the last replies, newest last
    double latency_ms = -1;
  };

  void refresh_disabled_locked();
  void sync_margin_locked();
  std::vector<Key*> candidates_locked(const std::set<std::string>& avoid);
  Key* find_locked(const std::string& key_id);
  double rate_fraction_locked(Account& account, SteadyTime now);
  int64_t completion_estimate_locked(const std::string& model, int max_tokens) const;
  Millis expected_latency_locked(const std::string& model) const;
  // Tries every candidate key for one model; the lease, or when to ask again.
  LeaseResult lease_model_locked(const ModelChoice& choice, int max_tokens,
                                 const std::set<std::string>& avoid, bool probe_key_only,
                                 const std::string& probe_key);
  void on_throttled_locked(const Lease& lease, const CallOutcome& outcome, Account& account,
                           FinishEffect& effect);

  RateLimiter& limiter_;
  KeyStateStore& states_;
  KeyPoolSettings settings_;
  CooldownPolicy cooldowns_;
  MarginLearner margin_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::vector<Key> keys_;
  std::map<std::string, Account> accounts_;  // by limiter account
  std::map<std::string, ModelStats> models_;
  size_t rotation_ = 0;
  SteadyTime disabled_refreshed_{};
  SteadyTime margin_synced_{};
  std::optional<LearnedMargin> margin_to_store_;
  // Each account's last sends (permit time, permit → written), for the log
  // line that explains a 429: which earlier request of the window went late.
  struct RecentSend {
    SteadyTime permit;
    Millis spread{0};
  };
  std::map<std::string, std::deque<RecentSend>> recent_sends_;
  std::string recent_sends_locked(const Lease& refused) const;
};

// The account a key's calls count against: its named account, else itself.
std::string account_of(const config::ApiKeyConfig& key);

// The limiter's name for an account's windows of one model: the account
// itself for the primary model (as before fallback existed), else
// "account/model" (the provider counts each model apart).
std::string limiter_account(const std::string& account, const std::string& model,
                            const std::string& primary_model);

// Limits per account and model: listed accounts as configured (per-model
// entries where given), and each key without an account as an account of its
// own with the key's limits; one entry per model in `models` (the primary first).
std::vector<AccountLimits> account_limits(const std::vector<config::ApiKeyConfig>& keys,
                                          const std::vector<config::AccountConfig>& accounts,
                                          const std::vector<std::string>& models = {});

// The providers' capacity in requests per second for one model: the sum
// over accounts of min(qps, rpm / 60). One definition for stats, bench and docs.
double capacity_per_second(const std::vector<config::ApiKeyConfig>& keys,
                           const std::vector<config::AccountConfig>& accounts);

}  // namespace tmon::schedule
