#include "schedule/account_limiter.h"

#include <algorithm>
#include <cmath>

namespace tmon::schedule {

namespace {
constexpr Millis kMinute{60'000};
}  // namespace

Millis minute_margin(Millis margin) {
  return std::max(Millis(100), margin * 2);
}

int64_t token_pace_limit(int64_t tokens_per_minute, Millis pace) {
  const double share = static_cast<double>(tokens_per_minute) * static_cast<double>(pace.count()) /
                       60'000.0 * kTokenPaceHeadroom;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(share)));
}

RateWindow rate_window(double per_second) {
  const int64_t count = std::max<int64_t>(1, static_cast<int64_t>(per_second));
  return {count, Millis(static_cast<int64_t>(1000.0 * static_cast<double>(count) / per_second))};
}

AccountLimiter::AccountLimiter(const AccountLimits& limits)
    : limits_(limits),
      second_(rate_window(limits.per_second).count, rate_window(limits.per_second).length),
      minute_(limits.per_minute, kMinute) {
  if (limits.tokens_per_minute > 0) tokens_.emplace(limits.tokens_per_minute, kMinute);
  if (limits.tokens_per_minute > 0 && limits.token_pace > Millis(0)) {
    token_pace_.emplace(token_pace_limit(limits.tokens_per_minute, limits.token_pace),
                        limits.token_pace);
  }
}

void AccountLimiter::reconfigure(const AccountLimits& limits) {
  limits_ = limits;
  if (limits.tokens_per_minute > 0) {
    if (!tokens_) tokens_.emplace(limits.tokens_per_minute, kMinute);
  } else {
    tokens_.reset();
  }
  if (limits.tokens_per_minute > 0 && limits.token_pace > Millis(0)) {
    const int64_t pace_limit = token_pace_limit(limits.tokens_per_minute, limits.token_pace);
    if (!token_pace_) {
      token_pace_.emplace(pace_limit, limits.token_pace);
    } else {
      token_pace_->reset_limit(pace_limit, limits.token_pace);
    }
  } else {
    token_pace_.reset();
  }
  apply_margin(margin_, rate_fraction_);
}

void AccountLimiter::apply_margin(Millis margin, double rate_fraction) {
  margin_ = margin;
  rate_fraction_ = std::clamp(rate_fraction, 0.01, 1.0);
  const RateWindow rate = rate_window(limits_.per_second * rate_fraction_);
  second_.reset_limit(rate.count, rate.length + margin);
  minute_.reset_limit(limits_.per_minute, kMinute + minute_margin(margin));
  if (tokens_) tokens_->reset_limit(limits_.tokens_per_minute, kMinute + minute_margin(margin));
}

Permit AccountLimiter::try_acquire(const PermitRequest& request, SteadyTime now) {
  if (request.margin != margin_ || request.rate_fraction != rate_fraction_) {
    apply_margin(request.margin, request.rate_fraction);
  }
  Millis wait = std::max(second_.wait_for(1, now), minute_.wait_for(1, now));
  if (tokens_) wait = std::max(wait, tokens_->wait_for(request.tokens, now));
  if (token_pace_) wait = std::max(wait, token_pace_->wait_for(request.tokens, now));
  if (wait > Millis(0)) return {false, wait};
  Permit permit{true, Millis(0)};
  // Always added together, so the two windows number their events alike.
  permit.entry = static_cast<int64_t>(second_.add(1, now));
  minute_.add(1, now);
  if (tokens_) permit.token_entry = static_cast<int64_t>(tokens_->add(request.tokens, now));
  // The pace only spreads charges; corrections and delays are the minute's.
  if (token_pace_) token_pace_->add(request.tokens, now);
  return permit;
}

void AccountLimiter::correct_tokens(int64_t token_entry, int64_t tokens) {
  if (tokens_ && token_entry > 0) tokens_->correct(static_cast<uint64_t>(token_entry), tokens);
}

void AccountLimiter::delay(const PermitSlot& slot, Millis by) {
  if (slot.entry > 0) {
    second_.delay(static_cast<uint64_t>(slot.entry), by);
    minute_.delay(static_cast<uint64_t>(slot.entry), by);
  }
  if (tokens_ && slot.tokens.entry > 0)
    tokens_->delay(static_cast<uint64_t>(slot.tokens.entry), by);
}

int64_t AccountLimiter::permits_left_this_second(SteadyTime now) {
  return std::max<int64_t>(0, second_.limit() - second_.used(now));
}

int64_t AccountLimiter::permits_left_this_minute(SteadyTime now) {
  return std::max<int64_t>(0, minute_.limit() - minute_.used(now));
}

int64_t AccountLimiter::tokens_used_this_minute(SteadyTime now) {
  return tokens_ ? tokens_->used(now) : 0;
}

}  // namespace tmon::schedule
