#include "schedule/key_pool.h"

#include <algorithm>
#include <cmath>

#include "common/logging.h"

namespace tmon::schedule {
namespace {

// How long a shared "disabled" view may be stale before it is read again.
constexpr Millis kDisabledRefresh{1000};
// How often the shared learned margin is read (another instance may have learned).
constexpr Millis kMarginSync{1'000};
// Retry hint when no key can ever serve (all disabled): re-check now and then.
constexpr Millis kNoKeyRetry{1000};
// Before any call of a model has finished, its calls are assumed to take this long.
constexpr double kDefaultLatencyMs = 1500;
// A third 429 in a row at the current margin is no longer timing noise.
constexpr int kRepeated429 = 3;
// Replies whose completion lengths make the next estimate.
constexpr size_t kCompletionsKept = 64;
// Sends remembered per account to explain a 429 (a per-second window's worth).
constexpr size_t kRecentSends = 12;
// While an account's trial call after a cooldown runs, others ask again this often.
constexpr Millis kTrialRetry{50};

bool rejected_before_processing(llm::CallErrorKind kind) {
  switch (kind) {
    case llm::CallErrorKind::kRateLimited:
    case llm::CallErrorKind::kQuotaThrottled:
    case llm::CallErrorKind::kAuthFailed:
    case llm::CallErrorKind::kQuotaExhausted:
    case llm::CallErrorKind::kBadRequest:
      return true;
    case llm::CallErrorKind::kServerError:
    case llm::CallErrorKind::kTimeout:
    case llm::CallErrorKind::kConnection:
    case llm::CallErrorKind::kBadResponse:
      return false;  // the provider may have run the model: keep the charge
  }
  return false;
}

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

KeyPool::KeyPool(RateLimiter& limiter, KeyStateStore& states, KeyPoolSettings settings,
                 Clock& clock)
    : limiter_(limiter),
      states_(states),
      settings_(std::move(settings)),
      cooldowns_(settings_.cooldown),
      margin_(settings_.margin),
      clock_(clock) {}

namespace {
// Exact windows (no margin floor), as tests of the pool's own logic want.
KeyPoolSettings with_cooldowns(const CooldownPolicy& cooldowns) {
  KeyPoolSettings settings;
  settings.cooldown = cooldowns.settings();
  settings.margin.floor = Millis(0);
  return settings;
}
}  // namespace

KeyPool::KeyPool(RateLimiter& limiter, KeyStateStore& states, CooldownPolicy cooldowns,
                 Clock& clock)
    : KeyPool(limiter, states, with_cooldowns(cooldowns), clock) {}

void KeyPool::set_settings(KeyPoolSettings settings) {
  std::lock_guard lock(mu_);
  settings_ = std::move(settings);
  cooldowns_ = CooldownPolicy(settings_.cooldown);
  margin_.set_settings(settings_.margin);
}

void KeyPool::set_cooldown_settings(CooldownSettings settings) {
  std::lock_guard lock(mu_);
  settings_.cooldown = settings;
  cooldowns_ = CooldownPolicy(settings);
}

KeyPool::Key* KeyPool::find_locked(const std::string& key_id) {
  for (auto& key : keys_) {
    if (key.config.id == key_id) return &key;
  }
  return nullptr;
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

void KeyPool::sync_margin_locked() {
  const SteadyTime now = clock_.now();
  if (margin_to_store_) {
    limiter_.store_margin(*margin_to_store_);
    margin_to_store_.reset();
  }
  if (now - margin_synced_ < kMarginSync && margin_synced_ != SteadyTime{}) return;
  margin_synced_ = now;
  if (const auto shared = limiter_.load_margin()) margin_.adopt(*shared, clock_.epoch_ms());
}

double KeyPool::rate_fraction_locked(Account& account, SteadyTime now) {
  const RampSettings& ramp = settings_.ramp;
  if (ramp.after_idle > Millis(0) && account.last_call != SteadyTime{} &&
      now - account.last_call >= ramp.after_idle && !account.ramp_from) {
    account.ramp_from = now;
  }
  if (!account.ramp_from || ramp.ramp_up <= Millis(0)) return 1.0;
  const double elapsed =
      std::chrono::duration<double, std::milli>(now - *account.ramp_from).count();
  const double fraction = ramp.start_fraction + (1.0 - ramp.start_fraction) * elapsed /
                                                    static_cast<double>(ramp.ramp_up.count());
  if (fraction >= 1.0) {
    account.ramp_from.reset();
    return 1.0;
  }
  return std::max(ramp.start_fraction, fraction);
}

int64_t KeyPool::completion_estimate_locked(const std::string& model, int max_tokens) const {
  const auto it = models_.find(model);
  if (it == models_.end() || it->second.completions.empty()) return max_tokens;
  // The longest of the last replies and an eighth more: an underestimate
  // charged at acquire is what could overrun a TPM window before the
  // correction lands (a reply one token longer than any of the last 64 did,
  // at a full window), while an overestimate only holds tokens back until the
  // reply refunds them, about a second of a minute's window.
  const auto& recent = it->second.completions;
  const int64_t longest = *std::max_element(recent.begin(), recent.end());
  return std::min<int64_t>(max_tokens, longest + std::max<int64_t>(1, longest / 8));
}

Millis KeyPool::expected_latency_locked(const std::string& model) const {
  const auto it = models_.find(model);
  const double ms =
      it == models_.end() || it->second.latency_ms < 0 ? kDefaultLatencyMs : it->second.latency_ms;
  return Millis(static_cast<int64_t>(ms));
}

LeaseResult KeyPool::lease_model_locked(const ModelChoice& choice, int max_tokens,
                                        const std::set<std::string>& avoid, bool probe_key_only,
                                        const std::string& probe_key) {
  const SteadyTime now = clock_.now();
  const Millis margin = margin_.current(clock_.epoch_ms());
  const int64_t tokens =
      choice.prompt_tokens + completion_estimate_locked(choice.model, max_tokens);
  std::optional<SteadyTime> earliest;
  std::set<std::string> denied;
  std::vector<Key*> candidates;
  if (probe_key_only) {
    if (Key* key = find_locked(probe_key)) candidates.push_back(key);
  } else {
    candidates = candidates_locked(avoid);
  }
  bool all_cooling = !candidates.empty();
  for (Key* key : candidates) {
    const std::string limited = limiter_account(key->account, choice.model, settings_.model);
    if (denied.contains(limited)) continue;
    Account& account = accounts_[limited];
    const bool cooling = account.cooldown.until > now || (account.half_open && account.trial_out);
    all_cooling = all_cooling && cooling;
    if (account.blocked_until > now) {
      earliest = std::min(earliest.value_or(account.blocked_until), account.blocked_until);
      continue;
    }
    if (account.half_open && account.trial_out) {
      const SteadyTime retry = now + kTrialRetry;
      earliest = std::min(earliest.value_or(retry), retry);
      continue;
    }
    const Permit permit =
        limiter_.acquire({limited, tokens, margin, rate_fraction_locked(account, now)});
    if (!permit.granted) {
      denied.insert(limited);
      account.blocked_until = now + permit.retry_in;
      earliest = std::min(earliest.value_or(account.blocked_until), account.blocked_until);
      continue;
    }
    account.last_call = now;
    if (account.half_open) account.trial_out = true;
    if (!probe_key_only) {
      ++key->in_flight;
      ++key->calls;
      rotation_ = (static_cast<size_t>(key - keys_.data()) + 1) % keys_.size();
    }
    Lease lease{key->config.id, key->config.key,
                key->account,   limited,
                choice.model,   TokenCharge{permit.token_entry, tokens},
                margin,         now,
                probe_key_only, permit.entry};
    return {std::move(lease), Millis(0)};
  }
  if (!earliest) return {std::nullopt, kNoKeyRetry, true, false};
  return {std::nullopt, std::max(Millis(1), std::chrono::ceil<Millis>(*earliest - now)), false,
          all_cooling};
}

LeaseResult KeyPool::lease(const std::set<std::string>& avoid) {
  LeaseRequest request;
  request.models.push_back({settings().model, 0});
  request.max_tokens = 0;
  request.avoid = avoid;
  return lease(request);
}

LeaseResult KeyPool::lease(const LeaseRequest& request) {
  std::lock_guard lock(mu_);
  refresh_disabled_locked();
  sync_margin_locked();
  const int64_t now_ms = clock_.epoch_ms();
  std::optional<Millis> retry;
  // Over every model tried: whether none had a usable key, and whether each
  // had none or rested after refusals (what the rule fallback asks).
  bool none_usable = true;
  bool resting = true;
  for (size_t i = 0; i < request.models.size(); ++i) {
    const ModelChoice& choice = request.models[i];
    LeaseResult result = lease_model_locked(choice, request.max_tokens, request.avoid, false, "");
    if (result.lease) return result;
    retry = std::min(retry.value_or(result.retry_in), result.retry_in);
    none_usable = none_usable && result.no_usable_key;
    resting = resting && (result.no_usable_key || result.all_cooling);
    if (i + 1 == request.models.size() || request.deadline_ms <= 0) break;
    // Wait for this model while its next permit and a call still fit in the
    // task's deadline (waking when it is time to switch); otherwise the next
    // model it is. A model whose every key is disabled or resting after
    // refusals is not waited for: that is what the fallback is for.
    const int64_t must_send_by =
        request.deadline_ms - expected_latency_locked(choice.model).count();
    if (!result.no_usable_key && !result.all_cooling &&
        now_ms + result.retry_in.count() <= must_send_by) {
      return {std::nullopt, std::max(Millis(1), std::min(*retry, Millis(must_send_by - now_ms)))};
    }
  }
  return {std::nullopt, retry.value_or(kNoKeyRetry), none_usable, resting && !none_usable};
}

void KeyPool::observe_send(const Lease& lease, SteadyTime sent_at) {
  const auto spread = std::chrono::ceil<Millis>(sent_at - lease.granted_at);
  {
    std::lock_guard lock(mu_);
    margin_.observe_spread(spread);
    auto& recent = recent_sends_[lease.limiter_account];
    recent.push_back({lease.granted_at, spread});
    if (recent.size() > kRecentSends) recent.pop_front();
  }
  // A stall between the permit and the wire (the host, the event loop) that
  // the margin does not cover: the provider will count this request that
  // much later, so a permit granted a window after ours would reach it
  // inside the same window. Move our slot to when it went out; the next
  // permit waits for it. Outside the lock: this may talk to Redis.
  if (spread > lease.margin && lease.permit_entry > 0) {
    limiter_.delay_permit(lease.limiter_account, {lease.permit_entry, lease.tokens}, spread);
  }
}

std::string KeyPool::recent_sends_locked(const Lease& refused) const {
  const auto it = recent_sends_.find(refused.limiter_account);
  if (it == recent_sends_.end()) return "none";
  std::string text;
  for (const RecentSend& send : it->second) {
    // This one or later, or too long before to share a window with it.
    if (send.permit >= refused.granted_at || refused.granted_at - send.permit > Millis(2'000)) {
      continue;
    }
    if (!text.empty()) text += ", ";
    text += std::to_string(
                std::chrono::duration_cast<Millis>(refused.granted_at - send.permit).count()) +
            " ms before (written +" + std::to_string(send.spread.count()) + " ms)";
  }
  return text.empty() ? "none" : text;
}

void KeyPool::on_throttled_locked(const Lease& lease, const CallOutcome& outcome, Account& account,
                                  FinishEffect& effect) {
  const SteadyTime now = clock_.now();
  const int64_t now_ms = clock_.epoch_ms();
  const bool at_current_margin = lease.margin >= margin_.current(now_ms);
  // Sent before the account's current rest began: the refusal is already
  // accounted for and must not grow the rest again.
  if (lease.granted_at < account.cooled_at) return;
  const SteadyTime cooling_before = account.cooldown.until;
  // DashScope answers a tokens-per-minute overrun as it answers a temporary
  // quota. When our own TPM window admitted the call and nothing was refused
  // just before, it is the window's edge (timing noise, like a 429 on
  // requests), not an outage: learn the margin, rest only to the next slot.
  const bool tpm_edge = *outcome.error == llm::CallErrorKind::kQuotaThrottled &&
                        account.tokens_per_minute > 0 && account.consecutive_429 == 0 &&
                        !outcome.retry_after;
  switch (tpm_edge ? llm::Throttle::kRequests : outcome.throttle) {
    case llm::Throttle::kRequests: {
      if (at_current_margin) ++account.consecutive_429;
      // Our windows granted this permit, so timing noise between our clock
      // and the provider's beat the margin: widen it, and rest the account
      // only until its next free slot (the windows decide that), not for a
      // cooldown that would waste seconds of capacity.
      if (!outcome.retry_after && at_current_margin) {
        effect.margin_grew = margin_.on_unpredicted_429(lease.margin, now_ms);
        if (effect.margin_grew) margin_to_store_ = margin_.learned();
      }
      const bool repeated = account.consecutive_429 >= kRepeated429;
      if (outcome.retry_after || (at_current_margin && !effect.margin_grew) || repeated) {
        cooldowns_.on_rate_limited(account.cooldown, outcome.retry_after, now);
      }
      break;
    }
    case llm::Throttle::kBurst:
      // The rate rose too fast for the provider: ramp up again from a fraction.
      account.ramp_from = now;
      if (outcome.retry_after)
        cooldowns_.on_rate_limited(account.cooldown, outcome.retry_after, now);
      break;
    case llm::Throttle::kTokens:
    case llm::Throttle::kNone:
    case llm::Throttle::kUnknown:
      if (*outcome.error == llm::CallErrorKind::kQuotaThrottled) {
        // Temporary quota: rest with growth whatever adaptive_cooldown says;
        // a fixed minute-long rest per answer would be as wrong as none.
        CooldownPolicy quota({true, settings_.cooldown.fixed, settings_.cooldown.minimum,
                              settings_.cooldown.maximum});
        quota.on_rate_limited(account.quota_cooldown, outcome.retry_after, now);
        account.cooldown.until = std::max(account.cooldown.until, account.quota_cooldown.until);
      } else {
        cooldowns_.on_rate_limited(account.cooldown, outcome.retry_after, now);
      }
      break;
  }
  if (account.cooldown.until > now) {
    effect.cooled_for = account.cooldown.remaining(now);
    account.blocked_until = std::max(account.blocked_until, account.cooldown.until);
  }
  if (account.cooldown.until != cooling_before) {
    account.cooled_at = now;
    account.half_open = true;
  }
}

FinishEffect KeyPool::finish(const Lease& lease, const CallOutcome& outcome) {
  FinishEffect effect;
  std::optional<std::string> disable_reason;
  std::string refused_after;  // for a throttle: the account's sends before it
  int64_t tokens_used = lease.tokens.tokens;
  {
    std::lock_guard lock(mu_);
    Key* key = find_locked(lease.key_id);
    Account& account = accounts_[lease.limiter_account];
    if (key && !lease.probe) {
      key->in_flight = std::max(0, key->in_flight - 1);
      key->latency_total_ms += outcome.latency.count();
    }
    ModelStats& model = models_[lease.model];
    if (!outcome.error) {
      tokens_used = outcome.total_tokens > 0 ? outcome.total_tokens : lease.tokens.tokens;
      if (outcome.total_tokens > 0) {
        model.completions.push_back(outcome.completion_tokens);
        if (model.completions.size() > kCompletionsKept) model.completions.pop_front();
      }
      const auto latency = static_cast<double>(outcome.latency.count());
      model.latency_ms = model.latency_ms < 0 ? latency : 0.9 * model.latency_ms + 0.1 * latency;
      if (key && !lease.probe) ++key->successes;
      // A call admitted before the account's rest began says nothing about now.
      if (lease.granted_at >= account.cooled_at) {
        cooldowns_.on_success(account.cooldown);
        cooldowns_.on_success(account.quota_cooldown);
        account.consecutive_429 = 0;
        account.half_open = false;
        account.trial_out = false;
      }
      // Only what the provider disabled: an operator may have decided meanwhile.
      if (lease.probe && key && key->disabled_reason.rfind("provider: ", 0) == 0) {
        key->disabled_reason.clear();
        effect.reenabled = true;
      }
    } else {
      account.trial_out = false;
      if (rejected_before_processing(*outcome.error)) tokens_used = 0;
      if (key && !lease.probe) ++key->failures;
      switch (*outcome.error) {
        case llm::CallErrorKind::kRateLimited:
        case llm::CallErrorKind::kQuotaThrottled:
          if (key) {
            ++key->rate_limited[outcome.provider_code.empty() ? "unknown" : outcome.provider_code];
          }
          on_throttled_locked(lease, outcome, account, effect);
          refused_after = recent_sends_locked(lease);
          break;
        case llm::CallErrorKind::kAuthFailed:
        case llm::CallErrorKind::kQuotaExhausted:
          if (key && !lease.probe) {
            disable_reason =
                "provider: " + std::string(llm::to_string(*outcome.error)) +
                (outcome.provider_code.empty() ? "" : " (" + outcome.provider_code + ")");
            key->disabled_reason = *disable_reason;
            key->next_probe = clock_.now() + settings_.probe_interval;
            effect.disabled = true;
          }
          break;
        case llm::CallErrorKind::kBadRequest:
        case llm::CallErrorKind::kServerError:
        case llm::CallErrorKind::kTimeout:
        case llm::CallErrorKind::kConnection:
        case llm::CallErrorKind::kBadResponse:
          break;  // the key is fine; the dispatcher decides about the task
      }
    }
    if (effect.margin_grew) sync_margin_locked();
  }
  // Outside the lock: these may talk to Redis.
  limiter_.correct_tokens(lease.limiter_account, lease.tokens, tokens_used);
  const auto logger = get_logger("schedule");
  if (!refused_after.empty()) {
    // Logged once, with the call's own timings, by the dispatcher.
    effect.permits_before = std::move(refused_after);
    effect.margin_after = margin();
  }
  if (effect.cooled_for > Millis(0)) limiter_.cool_down(lease.limiter_account, effect.cooled_for);
  if (disable_reason) {
    logger->error(
        "key_id={} disabled: {}; probed every {} s, or re-enable it once fixed", lease.key_id,
        *disable_reason,
        std::chrono::duration_cast<std::chrono::seconds>(settings().probe_interval).count());
    states_.disable(lease.key_id, *disable_reason);
  }
  if (effect.reenabled) {
    logger->info("key_id={} answered its probe: enabled again", lease.key_id);
    states_.enable(lease.key_id);
  }
  return effect;
}

void KeyPool::cancel(const Lease& lease) {
  {
    std::lock_guard lock(mu_);
    accounts_[lease.limiter_account].trial_out = false;
    if (!lease.probe) {
      if (Key* key = find_locked(lease.key_id)) {
        key->in_flight = std::max(0, key->in_flight - 1);
        key->calls = std::max<int64_t>(0, key->calls - 1);
      }
    }
  }
  // No call was made: the provider counts none of the tokens charged. (The
  // request itself stays counted in our windows: erring on the safe side.)
  // Outside the lock: this may talk to Redis.
  limiter_.correct_tokens(lease.limiter_account, lease.tokens, 0);
}

Millis KeyPool::margin() {
  std::lock_guard lock(mu_);
  return margin_.current(clock_.epoch_ms());
}

}  // namespace tmon::schedule
