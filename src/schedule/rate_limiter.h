#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "schedule/account_limiter.h"

namespace tmon::schedule {

// Where permits come from, and whether that is degraded.
struct LimiterStatus {
  std::string backend;    // "local" or "redis"
  bool fallback = false;  // redis configured but unreachable: local buckets at a fair share
  std::string detail;
};

struct PermitsLeft {
  int64_t second = 0;
  int64_t minute = 0;
};

// Paces calls so no account ever exceeds its provider limits (DESIGN.md §3):
// permits per second, per minute and tokens per minute, plus account
// cooldowns after a 429. Implementations: LocalRateLimiter (one process),
// RedisRateLimiter (shared by every scheduler instance), and
// ResilientRateLimiter (Redis, falling back to local).
//
// Thread-safe. Calls may block on the network (Redis): call them off any
// event loop that must stay responsive.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Replaces every account's limits (start-up, config reload).
  virtual void set_limits(const std::vector<AccountLimits>& limits) = 0;
  // A permit for one call on `account` charging `tokens` to its tokens-per-
  // minute window, or how long to wait for one. Denied while the account
  // cools down. An unknown account is denied for a second.
  virtual Permit acquire(const std::string& account, int64_t tokens) = 0;
  virtual void record_extra_tokens(const std::string& account, int64_t tokens) = 0;
  // No permits for `account` during `duration`, unless it already rests longer.
  virtual void cool_down(const std::string& account, Millis duration) = 0;
  virtual Millis cooldown_remaining(const std::string& account) = 0;
  virtual PermitsLeft permits_left(const std::string& account) = 0;
  virtual LimiterStatus status() = 0;
  // True when calls may block on I/O.
  virtual bool blocking() const = 0;
};

using RateLimiterPtr = std::unique_ptr<RateLimiter>;

// Limits scaled for one of `instances` schedulers sharing an account without
// coordination: each gets its share, rounded down, at least one per window.
std::vector<AccountLimits> fair_share(const std::vector<AccountLimits>& limits, int instances);

}  // namespace tmon::schedule
