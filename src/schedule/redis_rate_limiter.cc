#include "schedule/redis_rate_limiter.h"

#include <cmath>

#include "common/logging.h"

namespace tmon::schedule {
namespace {

// Windows are sorted sets scored by admission time (ms). An event counts while
// now < score + window. KEYS: 1 second set, 2 minute set, 3 token set, 4 token
// sum, 5 cooldown, 6 sequence, 7 token pace set, 8 token pace sum. ARGV:
// 1 second limit, 2 second window ms, 3 minute limit, 4 minute window ms,
// 5 token limit (0 = none), 6 token window ms, 7 tokens, 8 token pace limit
// (0 = none), 9 token pace window ms. Returns {1, entry id} when granted,
// else {0, wait ms}.
constexpr const char* kAcquireScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cool = redis.call('PTTL', KEYS[5])
if cool > 0 then return {0, cool} end

local function count_wait(key, limit, window)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n < limit then return 0 end
  local oldest = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
  return tonumber(oldest[2]) + window - now
end

local function weight(member) return tonumber(string.match(member, ':(%d+)$')) end

local function token_wait(key, sum_key, limit, window, tokens)
  local expired = redis.call('ZRANGEBYSCORE', key, '-inf', now - window)
  if #expired > 0 then
    local freed = 0
    for _, m in ipairs(expired) do freed = freed + weight(m) end
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    redis.call('DECRBY', sum_key, freed)
  end
  local sum = tonumber(redis.call('GET', sum_key) or '0')
  if sum <= 0 or sum + tokens <= limit then return 0 end
  local must_free = sum + math.min(tokens, limit) - limit
  local events = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  local freed = 0
  for i = 1, #events, 2 do
    freed = freed + weight(events[i])
    if freed >= must_free then return tonumber(events[i + 1]) + window - now end
  end
  return window
end

local s_limit, s_window = tonumber(ARGV[1]), tonumber(ARGV[2])
local m_limit, m_window = tonumber(ARGV[3]), tonumber(ARGV[4])
local t_limit, t_window, tokens = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local wait = math.max(count_wait(KEYS[1], s_limit, s_window), count_wait(KEYS[2], m_limit, m_window))
if t_limit > 0 then wait = math.max(wait, token_wait(KEYS[3], KEYS[4], t_limit, t_window, tokens)) end
local p_limit, p_window = tonumber(ARGV[8]), tonumber(ARGV[9])
if p_limit > 0 then wait = math.max(wait, token_wait(KEYS[7], KEYS[8], p_limit, p_window, tokens)) end
if wait > 0 then return {0, wait} end

local id = redis.call('INCR', KEYS[6])
redis.call('ZADD', KEYS[1], now, id)
redis.call('PEXPIRE', KEYS[1], s_window + 1000)
redis.call('ZADD', KEYS[2], now, id)
redis.call('PEXPIRE', KEYS[2], m_window + 1000)
if t_limit > 0 then
  redis.call('ZADD', KEYS[3], now, id .. ':' .. tokens)
  redis.call('INCRBY', KEYS[4], tokens)
  redis.call('PEXPIRE', KEYS[3], t_window + 1000)
  redis.call('PEXPIRE', KEYS[4], t_window + 1000)
end
if p_limit > 0 then
  redis.call('ZADD', KEYS[7], now, id .. ':' .. tokens)
  redis.call('INCRBY', KEYS[8], tokens)
  redis.call('PEXPIRE', KEYS[7], p_window + 1000)
  redis.call('PEXPIRE', KEYS[8], p_window + 1000)
end
return {1, id}
)lua";

// KEYS: 1 token set, 2 token sum. ARGV: 1 entry id, 2 tokens charged, 3 tokens
// used. The entry keeps its admission time; only its weight changes.
constexpr const char* kCorrectTokensScript = R"lua(
local old = ARGV[1] .. ':' .. ARGV[2]
local score = redis.call('ZSCORE', KEYS[1], old)
if not score then return 0 end
redis.call('ZREM', KEYS[1], old)
redis.call('ZADD', KEYS[1], score, ARGV[1] .. ':' .. ARGV[3])
redis.call('INCRBY', KEYS[2], tonumber(ARGV[3]) - tonumber(ARGV[2]))
return 1
)lua";

// KEYS: 1 second set, 2 minute set, 3 token set. ARGV: 1 entry id, 2 ms
// later, 3 the token set's member ('' for none). Moves a permit's events
// later in every window; the token sum is unchanged.
constexpr const char* kDelayScript = R"lua(
local by = tonumber(ARGV[2])
local function move(key, member)
  local score = redis.call('ZSCORE', key, member)
  if score then redis.call('ZADD', key, 'XX', tonumber(score) + by, member) end
end
move(KEYS[1], ARGV[1])
move(KEYS[2], ARGV[1])
if ARGV[3] ~= '' then move(KEYS[3], ARGV[3]) end
return 1
)lua";

// KEYS: 1 cooldown. ARGV: 1 duration ms. A shorter rest never replaces a longer one.
constexpr const char* kCoolDownScript = R"lua(
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
)lua";

// KEYS: 1 second set, 2 minute set. ARGV: 1 second window, 2 minute window.
constexpr const char* kCountScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]) + 1, '+inf'),
        redis.call('ZCOUNT', KEYS[2], now - tonumber(ARGV[2]) + 1, '+inf')}
)lua";

constexpr const char* kMarginKey = "tmon:rl:margin";

// The same window arithmetic as AccountLimiter, in whole milliseconds.
struct WindowArgs {
  int64_t second_limit;
  int64_t second_window_ms;
  int64_t minute_window_ms;
  int64_t token_window_ms;
};

WindowArgs window_args(const AccountLimits& limits, Millis margin, double rate_fraction = 1.0) {
  const RateWindow rate = rate_window(limits.per_second * std::clamp(rate_fraction, 0.01, 1.0));
  const Millis minute = Millis(60'000) + minute_margin(margin);
  return {rate.count, (rate.length + margin).count(), minute.count(), minute.count()};
}

}  // namespace

std::string rate_key(const std::string& account, const char* suffix) {
  return "tmon:rl:{" + account + "}:" + suffix;
}

RedisRateLimiter::RedisRateLimiter(std::shared_ptr<store::RedisClient> redis,
                                   RedisLimiterOptions options, Clock& clock)
    : redis_(std::move(redis)), options_(options), clock_(clock), fallback_(clock) {}

void RedisRateLimiter::set_limits(const std::vector<AccountLimits>& limits) {
  {
    std::lock_guard lock(mu_);
    limits_.clear();
    for (const auto& limit : limits) limits_[limit.account] = limit;
  }
  fallback_.set_limits(fair_share(limits, options_.expected_instances));
}

std::optional<AccountLimits> RedisRateLimiter::limits_of(const std::string& account) {
  std::lock_guard lock(mu_);
  const auto it = limits_.find(account);
  if (it == limits_.end()) return std::nullopt;
  return it->second;
}

bool RedisRateLimiter::use_redis() {
  std::lock_guard lock(mu_);
  return !falling_back_ || clock_.now() >= next_probe_;
}

void RedisRateLimiter::on_redis_result(const Status& status) {
  std::lock_guard lock(mu_);
  if (status) {
    if (falling_back_) {
      get_logger("schedule")->info("rate limiter: Redis is back; limits are shared again");
    }
    falling_back_ = false;
    last_error_.clear();
    return;
  }
  if (!falling_back_) {
    get_logger("schedule")
        ->warn(
            "rate limiter: Redis unavailable ({}); falling back to local limits at 1/{} of each "
            "account's limit",
            status.error().message, options_.expected_instances);
  }
  falling_back_ = true;
  last_error_ = status.error().message;
  next_probe_ = clock_.now() + options_.probe_interval;
}

Permit RedisRateLimiter::acquire(const PermitRequest& request) {
  const std::string& account = request.account;
  const auto limits = limits_of(account);
  if (!limits) return {false, Millis(1000)};
  if (!use_redis()) return fallback_.acquire(request);
  const WindowArgs w = window_args(*limits, request.margin, request.rate_fraction);
  const bool paced = limits->tokens_per_minute > 0 && limits->token_pace > Millis(0);
  const int64_t pace_limit =
      paced ? token_pace_limit(limits->tokens_per_minute, limits->token_pace) : 0;
  auto reply = redis_->command({"EVAL",
                                kAcquireScript,
                                "8",
                                rate_key(account, "s"),
                                rate_key(account, "m"),
                                rate_key(account, "t"),
                                rate_key(account, "tsum"),
                                rate_key(account, "cool"),
                                rate_key(account, "seq"),
                                rate_key(account, "p"),
                                rate_key(account, "psum"),
                                std::to_string(w.second_limit),
                                std::to_string(w.second_window_ms),
                                std::to_string(limits->per_minute),
                                std::to_string(w.minute_window_ms),
                                std::to_string(limits->tokens_per_minute),
                                std::to_string(w.token_window_ms),
                                std::to_string(std::max<int64_t>(0, request.tokens)),
                                std::to_string(pace_limit),
                                std::to_string(limits->token_pace.count())});
  if (!reply || reply->elements.size() != 2) {
    on_redis_result(reply ? make_error(ErrorCode::kInternal, "unexpected script reply")
                          : Status(tl::unexpected(reply.error())));
    return fallback_.acquire(request);
  }
  on_redis_result({});
  if (reply->elements[0].integer == 1) {
    const int64_t id = reply->elements[1].integer;
    return {true, Millis(0), limits->tokens_per_minute > 0 ? id : 0, id};
  }
  return {false, Millis(std::max<int64_t>(1, reply->elements[1].integer))};
}

void RedisRateLimiter::correct_tokens(const std::string& account, const TokenCharge& charge,
                                      int64_t tokens) {
  if (charge.entry <= 0 || tokens == charge.tokens) return;
  // A charge taken while falling back lives in the local windows.
  if (!use_redis()) return fallback_.correct_tokens(account, charge, tokens);
  auto reply = redis_->command({"EVAL", kCorrectTokensScript, "2", rate_key(account, "t"),
                                rate_key(account, "tsum"), std::to_string(charge.entry),
                                std::to_string(charge.tokens),
                                std::to_string(std::max<int64_t>(0, tokens))});
  on_redis_result(reply ? Status{} : Status(tl::unexpected(reply.error())));
  if (reply && reply->integer == 0) fallback_.correct_tokens(account, charge, tokens);
}

void RedisRateLimiter::delay_permit(const std::string& account, const PermitSlot& slot, Millis by) {
  if (slot.entry <= 0 || by <= Millis(0)) return;
  // A permit taken while falling back lives in the local windows.
  if (!use_redis()) return fallback_.delay_permit(account, slot, by);
  const std::string token_member = slot.tokens.entry > 0 ? std::to_string(slot.tokens.entry) + ":" +
                                                               std::to_string(slot.tokens.tokens)
                                                         : "";
  auto reply =
      redis_->command({"EVAL", kDelayScript, "3", rate_key(account, "s"), rate_key(account, "m"),
                       rate_key(account, "t"), std::to_string(slot.entry),
                       std::to_string(by.count()), token_member});
  on_redis_result(reply ? Status{} : Status(tl::unexpected(reply.error())));
}

std::optional<LearnedMargin> RedisRateLimiter::load_margin() {
  if (!use_redis()) return fallback_.load_margin();
  auto reply = redis_->command({"HMGET", kMarginKey, "extra_ms", "set_epoch_ms"});
  on_redis_result(reply ? Status{} : Status(tl::unexpected(reply.error())));
  if (!reply || reply->elements.size() != 2 || reply->elements[0].text.empty()) {
    return fallback_.load_margin();
  }
  LearnedMargin margin;
  try {
    margin.extra_ms = std::stod(reply->elements[0].text);
    margin.set_epoch_ms = std::stoll(reply->elements[1].text);
  } catch (const std::exception&) {
    return std::nullopt;  // not ours; the next store replaces it
  }
  return margin;
}

void RedisRateLimiter::store_margin(const LearnedMargin& margin) {
  fallback_.store_margin(margin);
  if (!use_redis()) return;
  auto reply = redis_->command({"HSET", kMarginKey, "extra_ms", std::to_string(margin.extra_ms),
                                "set_epoch_ms", std::to_string(margin.set_epoch_ms)});
  on_redis_result(reply ? Status{} : Status(tl::unexpected(reply.error())));
}

void RedisRateLimiter::cool_down(const std::string& account, Millis duration) {
  // The local view rests too, so a fallback does not forget a cooldown.
  fallback_.cool_down(account, duration);
  if (!use_redis()) return;
  auto reply = redis_->command({"EVAL", kCoolDownScript, "1", rate_key(account, "cool"),
                                std::to_string(std::max<int64_t>(1, duration.count()))});
  on_redis_result(reply ? Status{} : Status(tl::unexpected(reply.error())));
}

Millis RedisRateLimiter::cooldown_remaining(const std::string& account) {
  if (!use_redis()) return fallback_.cooldown_remaining(account);
  auto reply = redis_->command({"PTTL", rate_key(account, "cool")});
  on_redis_result(reply ? Status{} : Status(tl::unexpected(reply.error())));
  if (!reply) return fallback_.cooldown_remaining(account);
  return Millis(std::max<int64_t>(0, reply->integer));
}

PermitsLeft RedisRateLimiter::permits_left(const std::string& account) {
  const auto limits = limits_of(account);
  if (!limits) return {};
  if (!use_redis()) return fallback_.permits_left(account);
  const WindowArgs w = window_args(*limits, options_.window_margin);
  auto reply =
      redis_->command({"EVAL", kCountScript, "2", rate_key(account, "s"), rate_key(account, "m"),
                       std::to_string(w.second_window_ms), std::to_string(w.minute_window_ms)});
  if (!reply || reply->elements.size() != 2) return fallback_.permits_left(account);
  return {std::max<int64_t>(0, w.second_limit - reply->elements[0].integer),
          std::max<int64_t>(0, limits->per_minute - reply->elements[1].integer)};
}

LimiterStatus RedisRateLimiter::status() {
  std::lock_guard lock(mu_);
  if (falling_back_) {
    return {"redis", true,
            "Redis unavailable (" + last_error_ + "); local limits at 1/" +
                std::to_string(options_.expected_instances) + " of each account's limit"};
  }
  return {"redis", false, "shared through " + redis_->address().describe()};
}

}  // namespace tmon::schedule
