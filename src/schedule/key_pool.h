#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "llm/chat.h"
#include "schedule/cooldown_policy.h"
#include "schedule/key_state_store.h"
#include "schedule/rate_limiter.h"

namespace tmon::schedule {

enum class KeyState { kAvailable, kCooling, kDisabled };
std::string_view to_string(KeyState state);

// A key handed out for one call, with its permit already taken.
struct Lease {
  std::string key_id;
  std::string secret;
  std::string account;
  int64_t tokens_estimate = 0;
};

struct LeaseResult {
  std::optional<Lease> lease;
  Millis retry_in{0};  // without a lease: when a permit may be free
};

// How a leased call ended.
struct CallOutcome {
  std::optional<llm::CallErrorKind> error;  // nullopt: success
  std::string provider_code;                // e.g. "limit_requests"
  std::optional<Millis> retry_after;
  int total_tokens = 0;
  Millis latency{0};
  bool cancelled = false;  // the lease was not used: no call was made
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
  PermitsLeft permits_left;
  double mean_latency_ms = 0;
};

// The API keys one scheduler uses (DESIGN.md §3): their accounts, states
// (available, cooling, disabled), in-flight counts and statistics.
//
// lease() picks, among keys whose account has a free permit, the one with
// the fewest calls in flight per unit of weight (ties rotate, so load spreads
// evenly) and takes the permit from the rate limiter. finish() feeds each
// outcome back: successes let cooldowns decay, a 429 rests the key's whole
// account (the provider counts limits per account), auth and quota failures
// disable the key until an operator or a config reload re-enables it.
//
// Thread-safe. lease(), finish() and snapshot() may block on the limiter
// and the key state store (Redis): call them off latency-sensitive threads.
class KeyPool {
 public:
  KeyPool(RateLimiter& limiter, KeyStateStore& states, CooldownPolicy cooldowns, Clock& clock);

  // Installs keys and account limits (start-up and SIGHUP). Calls in flight
  // carry on; ids that stay keep their counts. With `reenable`, keys
  // disabled at runtime (here or by another instance) are enabled again:
  // reloading the config is how an operator says "try them again".
  void configure(const std::vector<config::ApiKeyConfig>& keys,
                 const std::vector<config::AccountConfig>& accounts, bool reenable = false);

  void set_cooldown_settings(CooldownSettings settings);

  // A key with a permit, preferring keys outside `avoid` (those a task
  // already failed on) but using them when no other key has a permit.
  LeaseResult lease(const std::set<std::string>& avoid = {});
  void finish(const Lease& lease, const CallOutcome& outcome);
  // Returns a lease that was not used (its permit stays spent).
  void cancel(const Lease& lease);

  // Operator actions; false when the id is unknown.
  bool enable(const std::string& key_id);
  bool disable(const std::string& key_id, const std::string& reason);

  std::vector<KeySnapshot> snapshot();
  size_t size() const;
  // Keys that could serve a call once a permit frees (not disabled).
  size_t usable() const;

 private:
  struct Key {
    config::ApiKeyConfig config;
    std::string account;
    std::string disabled_reason;  // empty: enabled
    int in_flight = 0;
    int64_t calls = 0;
    int64_t successes = 0;
    int64_t failures = 0;
    int64_t latency_total_ms = 0;
    std::map<std::string, int64_t> rate_limited;
  };
  struct Account {
    CooldownState cooldown;
    SteadyTime blocked_until{};     // last denial said: no permit before this
    double tokens_per_call = 1500;  // running estimate for tokens-per-minute limits
  };

  void refresh_disabled_locked();
  std::vector<Key*> candidates_locked(const std::set<std::string>& avoid);
  Key* find_locked(const std::string& key_id);

  RateLimiter& limiter_;
  KeyStateStore& states_;
  CooldownPolicy cooldowns_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::vector<Key> keys_;
  std::map<std::string, Account> accounts_;
  size_t rotation_ = 0;
  SteadyTime disabled_refreshed_{};
};

// The account a key's calls count against: its named account, else itself.
std::string account_of(const config::ApiKeyConfig& key);

// Limits per account: listed accounts as configured, and each key without an
// account as an account of its own with the key's limits.
std::vector<AccountLimits> account_limits(const std::vector<config::ApiKeyConfig>& keys,
                                          const std::vector<config::AccountConfig>& accounts);

}  // namespace tmon::schedule
