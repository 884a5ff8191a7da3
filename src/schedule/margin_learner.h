#pragma once

#include <array>
#include <cstdint>

#include "common/clock.h"
#include "schedule/rate_limiter.h"

namespace tmon::schedule {

struct MarginSettings {
  Millis floor{10};                    // rate_limit.window_margin_ms: never below this
  Millis maximum{250};                 // rate_limit.max_window_margin_ms
  Millis half_life{30LL * 60 * 1000};  // rate_limit.margin_half_life_seconds
  int settle_sends = 100;              // a margin that held this many sends grows by 5%, not 2x
};

// How much longer the scheduler's windows are than the provider's
// (AccountLimiter), learned from what it sees.
//
// A request reaches the provider some time after its permit: the local part
// (permit → send: the key thread, the event loop, a connection to find) is
// measured on every call; the network part (send → arrival) is invisible
// until the provider counts two requests closer together than we sent them
// and answers 429. So the margin is
//
//   max(floor, spread) + learned
//
// where the floor covers what cannot be measured on a quiet host (the
// provider's own scheduling, a loopback or LAN hop), `spread` is the 99th
// percentile permit → send spread of the last 256 calls
// and `learned` grows when a 429 the windows did not predict comes back from
// a request sent at the current margin, since the 429 proves the path's
// spread exceeds it: the whole margin doubles while it is still being found
// (fewer than `settle_sends` sends since it last grew), and grows by 5% (at
// least 1 ms) once it had held, the 429 then being the tail of the spread;
// capped at `maximum`. Without
// further 429s `learned` halves every `half_life`: slowly, so a margin that
// fits the network is kept for hours, yet a one-off spike does not cost
// capacity forever. 429s from requests sent with an older, smaller margin
// teach nothing new and change nothing.
//
// The learned part is shared (RateLimiter::store_margin, in Redis with
// several instances) so instances agree and a restart keeps it.
//
// Pure logic: time comes in as epoch milliseconds. Not thread-safe.
class MarginLearner {
 public:
  explicit MarginLearner(MarginSettings settings) : settings_(settings) {}

  void observe_spread(Millis permit_to_send);
  // The margin to use now.
  Millis current(int64_t now_epoch_ms) const;
  // A 429 for a request sent with `margin_used`. Returns true when the
  // margin grew (the caller shares learned()).
  bool on_unpredicted_429(Millis margin_used, int64_t now_epoch_ms);
  // Adopts a shared value when it asks for more margin than ours now.
  void adopt(const LearnedMargin& shared, int64_t now_epoch_ms);

  LearnedMargin learned() const { return learned_; }
  Millis spread() const { return spread_max_; }
  void set_settings(MarginSettings settings) { settings_ = settings; }
  const MarginSettings& settings() const { return settings_; }

 private:
  double learned_at(const LearnedMargin& learned, int64_t now_epoch_ms) const;

  MarginSettings settings_;
  LearnedMargin learned_;
  std::array<Millis, 256> spreads_{};
  size_t next_spread_ = 0;
  int sends_since_growth_ = 1 << 20;  // none yet: whatever we start with has "held"
  Millis spread_max_{0};
};

}  // namespace tmon::schedule
