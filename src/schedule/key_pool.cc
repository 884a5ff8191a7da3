#include "schedule/key_pool.h"

#include <algorithm>

#include "common/logging.h"
#include "common/secrets.h"

namespace tmon::schedule {
namespace {

// How long a shared "disabled" view may be stale before it is read again.
constexpr Millis kDisabledRefresh{1000};
// Retry hint when no key can ever serve (all disabled): re-check now and then.
constexpr Millis kNoKeyRetry{1000};

}  // namespace

std::string_view to_string(KeyState state) {
  switch (state) {
    case KeyState::kAvailable:
      return "available";
    case KeyState::kCooling:
      return "cooling";
    case KeyState::kDisabled:
      return "disabled";
  }
  return "unknown";
}

std::string account_of(const config::ApiKeyConfig& key) {
  return key.account.empty() ? key.id : key.account;
}

std::vector<AccountLimits> account_limits(const std::vector<config::ApiKeyConfig>& keys,
                                          const std::vector<config::AccountConfig>& accounts) {
  std::vector<AccountLimits> limits;
  for (const auto& account : accounts) {
    limits.push_back({account.name, account.qps_limit, account.rpm_limit, account.tpm_limit});
  }
  for (const auto& key : keys) {
    if (!key.account.empty()) continue;
    limits.push_back({key.id, key.qps_limit, key.rpm_limit, key.tpm_limit});
  }
  return limits;
}

KeyPool::KeyPool(RateLimiter& limiter, KeyStateStore& states, CooldownPolicy cooldowns,
                 Clock& clock)
    : limiter_(limiter), states_(states), cooldowns_(cooldowns), clock_(clock) {}

void KeyPool::configure(const std::vector<config::ApiKeyConfig>& keys,
                        const std::vector<config::AccountConfig>& accounts, bool reenable) {
  limiter_.set_limits(account_limits(keys, accounts));
  std::lock_guard lock(mu_);
  std::vector<Key> updated;
  for (const auto& config : keys) {
    Key key;
    if (Key* existing = find_locked(config.id)) key = std::move(*existing);
    key.config = config;
    key.account = account_of(config);
    key.disabled_reason.clear();
    if (!config.enabled) key.disabled_reason = "disabled in config";
    if (config.key.empty()) key.disabled_reason = "no key value";
    if (reenable && config.enabled && !config.key.empty()) states_.enable(config.id);
    accounts_.try_emplace(key.account);
    updated.push_back(std::move(key));
  }
  keys_ = std::move(updated);
  rotation_ = 0;
  disabled_refreshed_ = SteadyTime{};
}

void KeyPool::set_cooldown_settings(CooldownSettings settings) {
  std::lock_guard lock(mu_);
  cooldowns_ = CooldownPolicy(settings);
}

KeyPool::Key* KeyPool::find_locked(const std::string& key_id) {
  for (auto& key : keys_) {
    if (key.config.id == key_id) return &key;
  }
  return nullptr;
}

void KeyPool::refresh_disabled_locked() {
  const SteadyTime now = clock_.now();
  if (now - disabled_refreshed_ < kDisabledRefresh) return;
  disabled_refreshed_ = now;
  const auto shared = states_.disabled();
  for (auto& key : keys_) {
    if (!key.config.enabled || key.config.key.empty()) continue;  // config decides these
    const auto it = shared.find(key.config.id);
    key.disabled_reason = it == shared.end() ? "" : it->second;
  }
}

std::vector<KeyPool::Key*> KeyPool::candidates_locked(const std::set<std::string>& avoid) {
  std::vector<Key*> preferred;
  std::vector<Key*> avoided;
  const size_t n = keys_.size();
  for (size_t i = 0; i < n; ++i) {
    Key& key = keys_[(rotation_ + i) % n];
    if (!key.disabled_reason.empty()) continue;
    (avoid.contains(key.config.id) ? avoided : preferred).push_back(&key);
  }
  // Least loaded per unit of weight first; stable, so among equal loads the
  // rotation order stands and ties spread evenly.
  const auto by_load = [](const Key* a, const Key* b) {
    return a->in_flight / std::max(a->config.weight, 1e-9) <
           b->in_flight / std::max(b->config.weight, 1e-9);
  };
  std::stable_sort(preferred.begin(), preferred.end(), by_load);
  std::stable_sort(avoided.begin(), avoided.end(), by_load);
  // Avoided keys come last: used only when no other key has a permit.
  preferred.insert(preferred.end(), avoided.begin(), avoided.end());
  return preferred;
}

LeaseResult KeyPool::lease(const std::set<std::string>& avoid) {
  std::lock_guard lock(mu_);
  refresh_disabled_locked();
  const SteadyTime now = clock_.now();
  std::optional<SteadyTime> earliest;
  std::set<std::string> denied_accounts;
  for (Key* key : candidates_locked(avoid)) {
    Account& account = accounts_[key->account];
    if (denied_accounts.contains(key->account)) continue;
    if (account.blocked_until > now) {
      earliest = std::min(earliest.value_or(account.blocked_until), account.blocked_until);
      continue;
    }
    const auto tokens = static_cast<int64_t>(account.tokens_per_call);
    const Permit permit = limiter_.acquire(key->account, tokens);
    if (!permit.granted) {
      denied_accounts.insert(key->account);
      account.blocked_until = now + permit.retry_in;
      earliest = std::min(earliest.value_or(account.blocked_until), account.blocked_until);
      continue;
    }
    ++key->in_flight;
    ++key->calls;
    rotation_ = (static_cast<size_t>(key - keys_.data()) + 1) % keys_.size();
    return {Lease{key->config.id, key->config.key, key->account, tokens}, Millis(0)};
  }
  if (!earliest) return {std::nullopt, kNoKeyRetry};
  return {std::nullopt, std::max(Millis(1), std::chrono::ceil<Millis>(*earliest - now))};
}

void KeyPool::finish(const Lease& lease, const CallOutcome& outcome) {
  std::optional<Millis> cool_for;
  bool disable_key = false;
  {
    std::lock_guard lock(mu_);
    Key* key = find_locked(lease.key_id);
    Account& account = accounts_[lease.account];
    if (key) {
      key->in_flight = std::max(0, key->in_flight - 1);
      key->latency_total_ms += outcome.latency.count();
    }
    if (outcome.total_tokens > 0) {
      account.tokens_per_call = 0.8 * account.tokens_per_call + 0.2 * outcome.total_tokens;
    }
    if (!outcome.error) {
      if (key) ++key->successes;
      cooldowns_.on_success(account.cooldown);
    } else {
      if (key) ++key->failures;
      switch (*outcome.error) {
        case llm::CallErrorKind::kRateLimited: {
          if (key)
            ++key->rate_limited[outcome.provider_code.empty() ? "unknown" : outcome.provider_code];
          const SteadyTime now = clock_.now();
          cooldowns_.on_rate_limited(account.cooldown, outcome.retry_after, now);
          cool_for = account.cooldown.remaining(now);
          account.blocked_until = std::max(account.blocked_until, account.cooldown.until);
          break;
        }
        case llm::CallErrorKind::kAuthFailed:
        case llm::CallErrorKind::kQuotaExhausted:
          disable_key = key != nullptr;
          if (key) key->disabled_reason = std::string(llm::to_string(*outcome.error));
          break;
        case llm::CallErrorKind::kBadRequest:
        case llm::CallErrorKind::kServerError:
        case llm::CallErrorKind::kTimeout:
        case llm::CallErrorKind::kConnection:
        case llm::CallErrorKind::kBadResponse:
          break;  // the key is fine; the dispatcher decides about the task
      }
    }
  }
  // Outside the lock: these may talk to Redis.
  if (outcome.total_tokens > lease.tokens_estimate) {
    limiter_.record_extra_tokens(lease.account, outcome.total_tokens - lease.tokens_estimate);
  }
  if (cool_for) {
    get_logger("schedule")
        ->warn("account={} rate-limited via key_id={} ({}): cooling for {} ms", lease.account,
               lease.key_id, outcome.provider_code, cool_for->count());
    limiter_.cool_down(lease.account, *cool_for);
  }
  if (disable_key) {
    const std::string reason =
        std::string(llm::to_string(*outcome.error)) +
        (outcome.provider_code.empty() ? "" : " (" + outcome.provider_code + ")");
    get_logger("schedule")
        ->error(
            "key_id={} disabled: {}; re-enable it or reload config once "
            "fixed",
            lease.key_id, reason);
    states_.disable(lease.key_id, reason);
  }
}

void KeyPool::cancel(const Lease& lease) {
  std::lock_guard lock(mu_);
  if (Key* key = find_locked(lease.key_id)) {
    key->in_flight = std::max(0, key->in_flight - 1);
    key->calls = std::max<int64_t>(0, key->calls - 1);
  }
}

bool KeyPool::enable(const std::string& key_id) {
  {
    std::lock_guard lock(mu_);
    Key* key = find_locked(key_id);
    if (!key) return false;
    if (key->config.key.empty()) return false;
    key->disabled_reason.clear();
  }
  states_.enable(key_id);
  get_logger("schedule")->info("key_id={} enabled by operator", key_id);
  return true;
}

bool KeyPool::disable(const std::string& key_id, const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    Key* key = find_locked(key_id);
    if (!key) return false;
    key->disabled_reason = reason;
  }
  states_.disable(key_id, reason);
  get_logger("schedule")->warn("key_id={} disabled by operator: {}", key_id, reason);
  return true;
}

std::vector<KeySnapshot> KeyPool::snapshot() {
  std::vector<KeySnapshot> out;
  {
    std::lock_guard lock(mu_);
    refresh_disabled_locked();
    for (const auto& key : keys_) {
      KeySnapshot s;
      s.id = key.config.id;
      s.masked = mask_secret(key.config.key);
      s.account = key.account;
      s.weight = key.config.weight;
      s.state = key.disabled_reason.empty() ? KeyState::kAvailable : KeyState::kDisabled;
      s.disabled_reason = key.disabled_reason;
      s.in_flight = key.in_flight;
      s.calls = key.calls;
      s.successes = key.successes;
      s.failures = key.failures;
      s.rate_limited = key.rate_limited;
      const int64_t finished = key.successes + key.failures;
      s.mean_latency_ms = finished > 0 ? static_cast<double>(key.latency_total_ms) / finished : 0;
      out.push_back(std::move(s));
    }
  }
  // Account-wide facts come from the (possibly shared) limiter.
  for (auto& s : out) {
    s.cooldown_remaining = limiter_.cooldown_remaining(s.account);
    s.permits_left = limiter_.permits_left(s.account);
    if (s.state == KeyState::kAvailable && s.cooldown_remaining > Millis(0)) {
      s.state = KeyState::kCooling;
    }
  }
  return out;
}

size_t KeyPool::size() const {
  std::lock_guard lock(mu_);
  return keys_.size();
}

size_t KeyPool::usable() const {
  std::lock_guard lock(mu_);
  return std::count_if(keys_.begin(), keys_.end(),
                       [](const Key& key) { return key.disabled_reason.empty(); });
}

}  // namespace tmon::schedule
