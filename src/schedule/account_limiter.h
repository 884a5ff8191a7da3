#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "schedule/sliding_window.h"

namespace tmon::schedule {

// One account's limits as the provider states them.
struct AccountLimits {
  std::string account;
  double per_second = 5;  // may be fractional: 0.5 means one request per 2 s
  int64_t per_minute = 300;
  int64_t tokens_per_minute = 0;  // 0: not enforced
  bool operator==(const AccountLimits&) const = default;
};

// What a permit request got.
struct Permit {
  bool granted = false;
  Millis retry_in{0};  // when not granted: the earliest time worth asking again
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
// (20 ms of 1 s is 2%).
//
// Pure logic: time comes in as `now`. Not thread-safe.
class AccountLimiter {
 public:
  AccountLimiter(const AccountLimits& limits, Millis margin);

  Permit try_acquire(int64_t tokens, SteadyTime now);
  // Applies new limits, keeping the calls already admitted in each window.
  void reconfigure(const AccountLimits& limits);
  // Charges tokens a call used beyond the estimate taken at acquire, now.
  // (An overestimate is not refunded: erring on the safe side.)
  void record_extra_tokens(int64_t tokens, SteadyTime now);

  int64_t permits_left_this_second(SteadyTime now);
  int64_t permits_left_this_minute(SteadyTime now);
  const AccountLimits& limits() const { return limits_; }

 private:
  Millis margin_;
  AccountLimits limits_;
  SlidingWindow second_;
  SlidingWindow minute_;
  std::optional<SlidingWindow> tokens_;
};

}  // namespace tmon::schedule
