// KeyPool: configuration, operator actions, probes of disabled keys and
// snapshots (the hot path, lease() and finish(), is in key_pool.cc).
#include <algorithm>

#include "common/logging.h"
#include "common/secrets.h"
#include "schedule/key_pool.h"

namespace tmon::schedule {
namespace {

constexpr Millis kDisabledRefresh{1000};
constexpr const char* kProviderPrefix = "provider: ";
constexpr const char* kOperatorPrefix = "operator: ";

// Keys the provider refused are probed; keys an operator or the config
// disabled are not (someone decided).
bool probed(const std::string& disabled_reason) {
  return disabled_reason.rfind(kProviderPrefix, 0) == 0;
}

Millis seconds(double value) {
  return Millis(static_cast<int64_t>(value * 1000));
}

}  // namespace

std::string account_of(const config::ApiKeyConfig& key) {
  return key.account.empty() ? key.id : key.account;
}

std::string limiter_account(const std::string& account, const std::string& model,
                            const std::string& primary_model) {
  return model == primary_model || model.empty() ? account : account + "/" + model;
}

std::vector<AccountLimits> account_limits(const std::vector<config::ApiKeyConfig>& keys,
                                          const std::vector<config::AccountConfig>& accounts,
                                          const std::vector<std::string>& models) {
  std::vector<AccountLimits> limits;
  const std::string primary = models.empty() ? "" : models.front();
  const auto add = [&](const std::string& name, const config::AccountConfig* account, double qps,
                       int rpm, int tpm) {
    if (models.empty()) {
      limits.push_back({name, qps, rpm, tpm});
      return;
    }
    for (const auto& model : models) {
      AccountLimits entry{limiter_account(name, model, primary), qps, rpm, tpm};
      if (account) {
        for (const auto& per_model : account->models) {
          if (per_model.model != model) continue;
          entry.per_second = per_model.qps_limit;
          entry.per_minute = per_model.rpm_limit;
          entry.tokens_per_minute = per_model.tpm_limit;
        }
      }
      limits.push_back(std::move(entry));
    }
  };
  for (const auto& account : accounts) {
    add(account.name, &account, account.qps_limit, account.rpm_limit, account.tpm_limit);
  }
  for (const auto& key : keys) {
    if (key.account.empty()) add(key.id, nullptr, key.qps_limit, key.rpm_limit, key.tpm_limit);
  }
  return limits;
}

double capacity_per_second(const std::vector<config::ApiKeyConfig>& keys,
                           const std::vector<config::AccountConfig>& accounts) {
  double capacity = 0;
  for (const auto& limit : account_limits(keys, accounts)) {
    capacity += std::min(limit.per_second, static_cast<double>(limit.per_minute) / 60.0);
  }
  return capacity;
}

KeyPoolSettings key_pool_settings(const SchedulerSections& config) {
  const auto& s = config.scheduler;
  const auto& rl = config.rate_limit;
  KeyPoolSettings settings;
  settings.cooldown = {s.adaptive_cooldown, seconds(s.key_cooldown_seconds),
                       seconds(s.min_cooldown), seconds(s.max_cooldown)};
  settings.margin.floor = Millis(rl.window_margin_ms);
  settings.margin.maximum = Millis(rl.max_window_margin_ms);
  settings.margin.half_life = seconds(rl.margin_half_life_seconds);
  settings.ramp = {seconds(rl.ramp_up_seconds), rl.ramp_start_fraction,
                   seconds(rl.ramp_after_idle_seconds)};
  settings.probe_interval = seconds(s.disabled_probe_seconds);
  settings.model = config.llm.model;
  settings.fallback_models = config.llm.fallback_models;
  for (const auto& model : config.llm.models) {
    settings.token_rules[model.name] = {model.tokens_per_patch, model.patch_pixels,
                                        model.min_pixels, model.max_pixels};
  }
  settings.max_tokens = config.llm.max_tokens;
  settings.token_pace = Millis(static_cast<int64_t>(rl.token_pace_seconds * 1000));
  return settings;
}

void KeyPool::configure(const std::vector<config::ApiKeyConfig>& keys,
                        const std::vector<config::AccountConfig>& accounts, bool reenable) {
  std::vector<std::string> models{settings().model};
  for (const auto& model : settings().fallback_models) {
    if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
  }
  auto limits = account_limits(keys, accounts, models);
  for (auto& limit : limits) limit.token_pace = settings().token_pace;
  limiter_.set_limits(limits);
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
    updated.push_back(std::move(key));
  }
  for (const auto& limit : limits) {
    Account& account = accounts_[limit.account];
    account.qps = std::min(limit.per_second, limit.per_minute / 60.0);
    account.tokens_per_minute = limit.tokens_per_minute;
  }
  keys_ = std::move(updated);
  rotation_ = 0;
  disabled_refreshed_ = SteadyTime{};
}

void KeyPool::refresh_disabled_locked() {
  const SteadyTime now = clock_.now();
  if (now - disabled_refreshed_ < kDisabledRefresh && disabled_refreshed_ != SteadyTime{}) return;
  disabled_refreshed_ = now;
  const auto shared = states_.disabled();
  for (auto& key : keys_) {
    if (!key.config.enabled || key.config.key.empty()) continue;  // config decides these
    const auto it = shared.find(key.config.id);
    const std::string reason = it == shared.end() ? "" : it->second;
    // Disabled elsewhere: our first probe comes an interval from now.
    if (probed(reason) && !probed(key.disabled_reason)) {
      key.next_probe = now + settings_.probe_interval;
    }
    key.disabled_reason = reason;
  }
}

std::optional<Lease> KeyPool::probe_due() {
  std::lock_guard lock(mu_);
  refresh_disabled_locked();
  const SteadyTime now = clock_.now();
  for (auto& key : keys_) {
    if (!probed(key.disabled_reason) || key.next_probe > now) continue;
    // The smallest request there is: no image, a one-token answer.
    auto result = lease_model_locked({settings_.model, 16}, 1, {}, true, key.config.id);
    if (!result.lease) {
      // No permit now: try again once one frees, not a whole interval later.
      key.next_probe = now + std::max(result.retry_in, Millis(1));
      continue;
    }
    key.next_probe = now + settings_.probe_interval;
    // One instance probes per interval; the others learn the outcome through
    // the shared disabled set. (A lost claim leaves its permit unused.)
    if (states_.claim_probe(key.config.id, settings_.probe_interval))
      return std::move(result.lease);
  }
  return std::nullopt;
}

std::optional<SteadyTime> KeyPool::next_probe_at() {
  std::lock_guard lock(mu_);
  std::optional<SteadyTime> next;
  for (const auto& key : keys_) {
    if (probed(key.disabled_reason)) next = std::min(next.value_or(key.next_probe), key.next_probe);
  }
  return next;
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
  const std::string stored = kOperatorPrefix + reason;
  {
    std::lock_guard lock(mu_);
    Key* key = find_locked(key_id);
    if (!key) return false;
    key->disabled_reason = stored;
  }
  states_.disable(key_id, stored);
  get_logger("schedule")->warn("key_id={} disabled by operator: {}", key_id, reason);
  return true;
}

std::vector<KeySnapshot> KeyPool::snapshot() {
  std::vector<KeySnapshot> out;
  {
    std::lock_guard lock(mu_);
    refresh_disabled_locked();
    const SteadyTime now = clock_.now();
    for (const auto& key : keys_) {
      KeySnapshot s;
      s.id = key.config.id;
      s.masked = mask_secret(key.config.key);
      s.account = key.account;
      s.weight = key.config.weight;
      s.state = key.disabled_reason.empty() ? KeyState::kAvailable : KeyState::kDisabled;
      s.disabled_reason = key.disabled_reason;
      if (probed(key.disabled_reason)) {
        s.next_probe_in = std::max(Millis(0), std::chrono::ceil<Millis>(key.next_probe - now));
      }
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

double KeyPool::expected_concurrency() const {
  std::lock_guard lock(mu_);
  const double latency_s =
      static_cast<double>(expected_latency_locked(settings_.model).count()) / 1000.0;
  double total = 0;
  for (const auto& [name, account] : accounts_) total += account.qps * latency_s;
  return total;
}

}  // namespace tmon::schedule
