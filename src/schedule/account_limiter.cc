#include "schedule/account_limiter.h"

#include <algorithm>

namespace tmon::schedule {

namespace {

SlidingWindow rate_window(double per_second, Millis margin) {
  const int64_t count = std::max<int64_t>(1, static_cast<int64_t>(per_second));
  const auto window =
      Millis(static_cast<int64_t>(1000.0 * static_cast<double>(count) / per_second));
  return SlidingWindow(count, window + margin);
}

}  // namespace

AccountLimiter::AccountLimiter(const AccountLimits& limits, Millis margin)
    : margin_(margin),
      limits_(limits),
      second_(rate_window(limits.per_second, margin)),
      minute_(limits.per_minute, Millis(60'000) + margin) {
  if (limits.tokens_per_minute > 0)
    tokens_.emplace(limits.tokens_per_minute, Millis(60'000) + margin);
}

void AccountLimiter::reconfigure(const AccountLimits& limits) {
  const SlidingWindow rate = rate_window(limits.per_second, margin_);
  second_.reset_limit(rate.limit(), rate.window());
  minute_.reset_limit(limits.per_minute, Millis(60'000) + margin_);
  if (limits.tokens_per_minute > 0) {
    if (tokens_) {
      tokens_->reset_limit(limits.tokens_per_minute, Millis(60'000) + margin_);
    } else {
      tokens_.emplace(limits.tokens_per_minute, Millis(60'000) + margin_);
    }
  } else {
    tokens_.reset();
  }
  limits_ = limits;
}

Permit AccountLimiter::try_acquire(int64_t tokens, SteadyTime now) {
  Millis wait = std::max(second_.wait_for(1, now), minute_.wait_for(1, now));
  if (tokens_) wait = std::max(wait, tokens_->wait_for(tokens, now));
  if (wait > Millis(0)) return {false, wait};
  second_.add(1, now);
  minute_.add(1, now);
  if (tokens_) tokens_->add(tokens, now);
  return {true, Millis(0)};
}

void AccountLimiter::record_extra_tokens(int64_t tokens, SteadyTime now) {
  if (tokens_ && tokens > 0) tokens_->add(tokens, now);
}

int64_t AccountLimiter::permits_left_this_second(SteadyTime now) {
  return std::max<int64_t>(0, second_.limit() - second_.used(now));
}

int64_t AccountLimiter::permits_left_this_minute(SteadyTime now) {
  return std::max<int64_t>(0, minute_.limit() - minute_.used(now));
}

}  // namespace tmon::schedule
