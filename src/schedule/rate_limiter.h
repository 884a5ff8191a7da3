#pragma once

#include <map>
#include <memory>
#include <optional>
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
  int64_t tokens_used = 0;  // tokens charged in the last minute (0 without a TPM limit)
};

// The network part of the window margin that MarginLearner learned, as
// instances share it (and a restart finds it): `extra_ms` as set at
// `set_epoch_ms`, decaying from then on.
struct LearnedMargin {
  double extra_ms = 0;
  int64_t set_epoch_ms = 0;
  bool operator==(const LearnedMargin&) const = default;
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
  // A permit for one call on `request.account` charging `request.tokens` to
  // its tokens-per-minute window, or how long to wait for one. Denied while
  // the account cools down. An unknown account is denied for a second.
  virtual Permit acquire(const PermitRequest& request) = 0;
  // Replaces the charge of a granted permit with the tokens the call really
  // used (a refund when lower).
  virtual void correct_tokens(const std::string& account, const TokenCharge& charge,
                              int64_t tokens) = 0;
  // The request of a granted permit reached the provider (was written whole)
  // `by` after the permit: the provider counts it from then, so its slots in
  // every window of `account` move that much later, and the permit that
  // would have followed it a window later waits as long.
  virtual void delay_permit(const std::string& account, const PermitSlot& slot, Millis by) = 0;
  // No permits for `account` during `duration`, unless it already rests longer.
  virtual void cool_down(const std::string& account, Millis duration) = 0;
  virtual Millis cooldown_remaining(const std::string& account) = 0;
  virtual PermitsLeft permits_left(const std::string& account) = 0;
  virtual LimiterStatus status() = 0;
  // The learned margin every instance shares (nullopt: none stored, or the
  // store cannot be reached), and storing a new one.
  virtual std::optional<LearnedMargin> load_margin() = 0;
  virtual void store_margin(const LearnedMargin& margin) = 0;
  // True when calls may block on I/O.
  virtual bool blocking() const = 0;
};

using RateLimiterPtr = std::unique_ptr<RateLimiter>;

// Limits scaled for one of `instances` schedulers sharing an account without
// coordination: each gets its share, rounded down, at least one per window.
std::vector<AccountLimits> fair_share(const std::vector<AccountLimits>& limits, int instances);

}  // namespace tmon::schedule
