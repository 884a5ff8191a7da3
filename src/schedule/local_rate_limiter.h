#pragma once

#include <map>
#include <mutex>

#include "schedule/rate_limiter.h"

namespace tmon::schedule {

// RateLimiter for one scheduler process: sliding windows in memory.
class LocalRateLimiter final : public RateLimiter {
 public:
  LocalRateLimiter(Clock& clock, Millis window_margin);

  void set_limits(const std::vector<AccountLimits>& limits) override;
  Permit acquire(const std::string& account, int64_t tokens) override;
  void record_extra_tokens(const std::string& account, int64_t tokens) override;
  void cool_down(const std::string& account, Millis duration) override;
  Millis cooldown_remaining(const std::string& account) override;
  PermitsLeft permits_left(const std::string& account) override;
  LimiterStatus status() override { return {"local", false, "in-process sliding windows"}; }
  bool blocking() const override { return false; }

 private:
  struct Account {
    AccountLimiter limiter;
    SteadyTime cool_until{};
  };

  Clock& clock_;
  Millis margin_;
  std::mutex mu_;
  std::map<std::string, Account> accounts_;
};

}  // namespace tmon::schedule
