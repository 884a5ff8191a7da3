#include "schedule/local_rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace tmon::schedule {

std::vector<AccountLimits> fair_share(const std::vector<AccountLimits>& limits, int instances) {
  const int n = std::max(1, instances);
  std::vector<AccountLimits> shares = limits;
  for (auto& share : shares) {
    // Fractional per-second rates are fine (see AccountLimiter); counts floor.
    share.per_second = share.per_second / n;
    share.per_minute = std::max<int64_t>(1, share.per_minute / n);
    if (share.tokens_per_minute > 0) {
      share.tokens_per_minute = std::max<int64_t>(1, share.tokens_per_minute / n);
    }
  }
  return shares;
}

LocalRateLimiter::LocalRateLimiter(Clock& clock) : clock_(clock) {}

void LocalRateLimiter::set_limits(const std::vector<AccountLimits>& limits) {
  std::lock_guard lock(mu_);
  std::map<std::string, Account> updated;
  for (const auto& limit : limits) {
    const auto it = accounts_.find(limit.account);
    if (it == accounts_.end()) {
      updated.emplace(limit.account, Account{AccountLimiter(limit)});
      continue;
    }
    // Keep the calls already admitted and any cooldown.
    it->second.limiter.reconfigure(limit);
    updated.emplace(limit.account, std::move(it->second));
  }
  accounts_ = std::move(updated);
}

Permit LocalRateLimiter::acquire(const PermitRequest& request) {
  std::lock_guard lock(mu_);
  const auto it = accounts_.find(request.account);
  if (it == accounts_.end()) return {false, Millis(1000)};
  const SteadyTime now = clock_.now();
  if (now < it->second.cool_until) {
    return {false, std::chrono::ceil<Millis>(it->second.cool_until - now)};
  }
  return it->second.limiter.try_acquire(request, now);
}

void LocalRateLimiter::correct_tokens(const std::string& account, const TokenCharge& charge,
                                      int64_t tokens) {
  std::lock_guard lock(mu_);
  const auto it = accounts_.find(account);
  if (it != accounts_.end()) it->second.limiter.correct_tokens(charge.entry, tokens);
}

void LocalRateLimiter::delay_permit(const std::string& account, const PermitSlot& slot, Millis by) {
  std::lock_guard lock(mu_);
  const auto it = accounts_.find(account);
  if (it != accounts_.end()) it->second.limiter.delay(slot, by);
}

std::optional<LearnedMargin> LocalRateLimiter::load_margin() {
  std::lock_guard lock(mu_);
  return margin_;
}

void LocalRateLimiter::store_margin(const LearnedMargin& margin) {
  std::lock_guard lock(mu_);
  margin_ = margin;
}

void LocalRateLimiter::cool_down(const std::string& account, Millis duration) {
  std::lock_guard lock(mu_);
  const auto it = accounts_.find(account);
  if (it == accounts_.end()) return;
  it->second.cool_until = std::max(it->second.cool_until, clock_.now() + duration);
}

Millis LocalRateLimiter::cooldown_remaining(const std::string& account) {
  std::lock_guard lock(mu_);
  const auto it = accounts_.find(account);
  const SteadyTime now = clock_.now();
  if (it == accounts_.end() || it->second.cool_until <= now) return Millis(0);
  return std::chrono::ceil<Millis>(it->second.cool_until - now);
}

PermitsLeft LocalRateLimiter::permits_left(const std::string& account) {
  std::lock_guard lock(mu_);
  const auto it = accounts_.find(account);
  if (it == accounts_.end()) return {};
  const SteadyTime now = clock_.now();
  return {it->second.limiter.permits_left_this_second(now),
          it->second.limiter.permits_left_this_minute(now),
          it->second.limiter.tokens_used_this_minute(now)};
}

}  // namespace tmon::schedule
