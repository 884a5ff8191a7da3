#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "schedule/sliding_window.h"

namespace tmon::schedule {

// One account's limits as the provider states them. With model fallback
// (llm.fallback_models) an "account" here is one account and model: the
// provider counts each model apart (see limiter_account()).
struct AccountLimits {
  std::string account;
  double per_second = 5;  // may be fractional: 0.5 means one request per 2 s
  int64_t per_minute = 300;
  int64_t tokens_per_minute = 0;  // 0: not enforced
  // With tokens_per_minute: in any `token_pace` at most kTokenPaceHeadroom
  // times its share of the minute's tokens (zero: no pacing).
  Millis token_pace{0};
  bool operator==(const AccountLimits&) const = default;
};

// How far above the minute's average rate tokens may be charged within a
// pace window: room for calls of uneven size, while a minute's tokens are
// never spent in a burst at the per-second limit (where every late request
// risks a per-second 429) and then wait half a minute.
inline constexpr double kTokenPaceHeadroom = 1.25;
// The pace window's token limit for a tokens-per-minute limit.
int64_t token_pace_limit(int64_t tokens_per_minute, Millis pace);

// One permit request: the account, the tokens to charge (an estimate,
// corrected later), the margin between our windows and the provider's, and
// the share of the per-second rate allowed now (below 1 while ramping up
// after a burst 429; see KeyPool).
struct PermitRequest {
  std::string account;
  int64_t tokens = 0;
  Millis margin{0};
  double rate_fraction = 1.0;
};

// Tokens charged to an account's window at acquire, to be corrected later.
struct TokenCharge {
  int64_t entry = 0;  // 0: nothing charged (no TPM limit)
  int64_t tokens = 0;
};

// What a permit request got.
struct Permit {
  bool granted = false;
  Millis retry_in{0};       // when not granted: the earliest time worth asking again
  int64_t token_entry = 0;  // when granted with tokens: the charge's id, for correction
  int64_t entry = 0;        // when granted: its id in the request windows, for delay
};

// A granted permit's place in an account's windows (RateLimiter::delay_permit).
struct PermitSlot {
  int64_t entry = 0;  // in the request windows (per second and per minute)
  TokenCharge tokens;
};

// The per-second, per-minute and (optional) tokens-per-minute windows of one
// account. A permit is taken from all windows at once or from none.
//
// A fractional per-second limit q becomes floor(q) (at least 1) requests per
// floor(q)/q seconds, the same rate in the smallest whole-request window.
//
// Each window is `margin` longer than the provider's: requests reach the
// provider a little after the permit is granted, and unevenly, so two
// requests a hair over a window apart here can land a hair under it there.
// The margin absorbs that jitter at a cost of margin/window of capacity
// (20 ms of 1 s is 2%). It comes with each request: MarginLearner adapts it.
//
// Pure logic: time comes in as `now`. Not thread-safe.
class AccountLimiter {
 public:
  explicit AccountLimiter(const AccountLimits& limits);

  Permit try_acquire(const PermitRequest& request, SteadyTime now);
  // Applies new limits, keeping the calls already admitted in each window.
  void reconfigure(const AccountLimits& limits);
  // Replaces a charge taken at acquire with what the call really used
  // (`tokens` below the charge is a refund). No-op once the charge has left
  // the window.
  void correct_tokens(int64_t token_entry, int64_t tokens);
  // Moves a granted permit `by` later in every window (its request reached
  // the provider that much after the permit).
  void delay(const PermitSlot& slot, Millis by);

  int64_t permits_left_this_second(SteadyTime now);
  int64_t permits_left_this_minute(SteadyTime now);
  int64_t tokens_used_this_minute(SteadyTime now);
  const AccountLimits& limits() const { return limits_; }

 private:
  void apply_margin(Millis margin, double rate_fraction);

  AccountLimits limits_;
  Millis margin_{0};
  double rate_fraction_ = 1.0;
  SlidingWindow second_;
  SlidingWindow minute_;
  std::optional<SlidingWindow> tokens_;
  std::optional<SlidingWindow> token_pace_;  // ours, not the provider's: no margin
};

// The margin of the minute windows (requests and tokens per minute) for a
// per-second margin. A request is as late at the provider whichever window
// counts it, so the same margin would do; the minute windows take twice it
// (at least 100 ms), cheap there (margin/60 s of capacity). Not more: the
// learned margin grows after 429s (to 50 ms and beyond on a stalling host),
// and six times that cost a TPM-bound account 0.5% of its tokens for nothing.
Millis minute_margin(Millis margin);

// The per-second window for a rate: floor(rate) (at least 1) requests per
// floor(rate)/rate seconds. Shared by the local and the Redis limiter.
struct RateWindow {
  int64_t count;
  Millis length;
};
RateWindow rate_window(double per_second);

}  // namespace tmon::schedule
