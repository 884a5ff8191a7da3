#include "schedule/cooldown_policy.h"

#include <algorithm>

namespace tmon::schedule {

Millis CooldownState::remaining(SteadyTime now) const {
  return cooling(now) ? std::chrono::ceil<Millis>(until - now) : Millis(0);
}

void CooldownPolicy::on_rate_limited(CooldownState& state, std::optional<Millis> retry_after,
                                     SteadyTime now) const {
  ++state.consecutive_429;
  Millis rest;
  if (retry_after) {
    // A provider (or anything posing as one) must not rest an account for a
    // day: max_cooldown bounds what it may ask.
    rest = std::clamp(*retry_after, Millis(0), settings_.maximum);
  } else if (!settings_.adaptive) {
    rest = settings_.fixed;
  } else {
    state.current = state.current == Millis(0) ? settings_.minimum
                                               : std::min(state.current * 2, settings_.maximum);
    rest = state.current;
  }
  state.until = std::max(state.until, now + rest);
}

void CooldownPolicy::on_success(CooldownState& state) const {
  state.consecutive_429 = 0;
  if (state.current == Millis(0)) return;
  state.current /= 2;
  if (state.current < settings_.minimum) state.current = Millis(0);
}

}  // namespace tmon::schedule
