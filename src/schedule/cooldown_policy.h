#pragma once

#include <optional>

#include "common/clock.h"

namespace tmon::schedule {

struct CooldownSettings {
  bool adaptive = true;
  Millis fixed{60'000};     // cooldown after a 429 when not adaptive
  Millis minimum{5'000};    // adaptive: first cooldown
  Millis maximum{120'000};  // adaptive: longest cooldown
};

// One account's cooldown: no calls before `until`.
struct CooldownState {
  SteadyTime until{};
  Millis current{0};  // adaptive: the cooldown the next 429 builds on; 0 = none yet
  int consecutive_429 = 0;

  bool cooling(SteadyTime now) const { return now < until; }
  Millis remaining(SteadyTime now) const;
};

// How long an account rests after the provider says 429. The provider's
// Retry-After wins when given, capped at `maximum` (max_cooldown). Otherwise, adaptively, the first
// 429 rests `minimum` and each repeat doubles it up to `maximum`; successes halve it back, and
// below `minimum` it resets. A new deadline never shortens a longer one already set (a short
// Retry-After cannot cancel a long rest).
//
// Pure logic.
class CooldownPolicy {
 public:
  explicit CooldownPolicy(CooldownSettings settings) : settings_(settings) {}

  void on_rate_limited(CooldownState& state, std::optional<Millis> retry_after,
                       SteadyTime now) const;
  void on_success(CooldownState& state) const;
  const CooldownSettings& settings() const { return settings_; }

 private:
  CooldownSettings settings_;
};

}  // namespace tmon::schedule
