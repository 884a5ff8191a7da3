#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "schedule/local_rate_limiter.h"
#include "store/redis_client.h"

namespace tmon::schedule {

struct RedisLimiterOptions {
  int expected_instances = 2;    // fair share of each limit while falling back
  Millis window_margin{10};      // for permits_left() only; permits carry their own
  Millis probe_interval{5'000};  // how often to try Redis again while falling back
};

// RateLimiter shared by every scheduler instance through Redis: each account's
// windows are sorted sets of admitted calls, checked and updated by one Lua
// script per permit using the Redis server's clock, so instances on different
// hosts agree on time and never together exceed a limit. Cooldowns are keys
// with a TTL, set so that a shorter rest never replaces a longer one.
//
// If Redis cannot be reached, permits come from local windows at
// 1/expected_instances of each limit (every instance does the same, so
// together they stay within the limit), the switch is logged once and shown
// in status(); Redis is tried again every probe_interval and used as soon as
// it answers.
class RedisRateLimiter final : public RateLimiter {
 public:
  RedisRateLimiter(std::shared_ptr<store::RedisClient> redis, RedisLimiterOptions options,
                   Clock& clock);

  void set_limits(const std::vector<AccountLimits>& limits) override;
  Permit acquire(const PermitRequest& request) override;
  void correct_tokens(const std::string& account, const TokenCharge& charge,
                      int64_t tokens) override;
  void delay_permit(const std::string& account, const PermitSlot& slot, Millis by) override;
  std::optional<LearnedMargin> load_margin() override;
  void store_margin(const LearnedMargin& margin) override;
  void cool_down(const std::string& account, Millis duration) override;
  Millis cooldown_remaining(const std::string& account) override;
  PermitsLeft permits_left(const std::string& account) override;
  LimiterStatus status() override;
  bool blocking() const override { return true; }

 private:
  // True when Redis should be used for this call (not falling back, or time to probe).
  bool use_redis();
  void on_redis_result(const Status& status);
  std::optional<AccountLimits> limits_of(const std::string& account);

  std::shared_ptr<store::RedisClient> redis_;
  RedisLimiterOptions options_;
  Clock& clock_;
  LocalRateLimiter fallback_;
  std::mutex mu_;
  std::map<std::string, AccountLimits> limits_;
  bool falling_back_ = false;
  SteadyTime next_probe_{};
  std::string last_error_;
};

// Redis key names of one account; the {account} hash tag keeps them in one
// cluster slot, as a multi-key script requires.
std::string rate_key(const std::string& account, const char* suffix);

}  // namespace tmon::schedule
