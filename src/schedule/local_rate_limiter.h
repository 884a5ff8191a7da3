#pragma once

#include <map>
#include <mutex>

#include "schedule/rate_limiter.h"

namespace tmon::schedule {

// RateLimiter for one scheduler process: sliding windows in memory.
class LocalRateLimiter final : public RateLimiter {
 public:
  explicit LocalRateLimiter(Clock& clock);

  void set_limits(const std::vector<AccountLimits>& limits) override;
  Permit acquire(const PermitRequest& request) override;
  void correct_tokens(const std::string& account, const TokenCharge& charge,
                      int64_t tokens) override;
  void delay_permit(const std::string& account, const PermitSlot& slot, Millis by) override;
  void cool_down(const std::string& account, Millis duration) override;
  Millis cooldown_remaining(const std::string& account) override;
  PermitsLeft permits_left(const std::string& account) override;
  LimiterStatus status() override { return {"local", false, "in-process sliding windows"}; }
  std::optional<LearnedMargin> load_margin() override;
  void store_margin(const LearnedMargin& margin) override;
  bool blocking() const override { return false; }

 private:
  struct Account {
    AccountLimiter limiter;
    SteadyTime cool_until{};
  };

  Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Account> accounts_;
  std::optional<LearnedMargin> margin_;
};

}  // namespace tmon::schedule
