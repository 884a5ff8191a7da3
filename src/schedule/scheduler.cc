#include "schedule/scheduler.h"

#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "common/secrets.h"
#include "schedule/local_rate_limiter.h"
#include "schedule/redis_rate_limiter.h"

namespace tmon::schedule {
namespace {

Millis seconds(double value) {
  return Millis(static_cast<int64_t>(value * 1000));
}

DispatcherOptions dispatcher_options(const SchedulerSections& config, const std::string& instance) {
  DispatcherOptions options;
  options.instance_id = instance;
  options.max_concurrent_tasks = config.scheduler.max_concurrent_tasks;
  options.queue_size = config.scheduler.queue_size;
  options.queue_max_bytes = config.scheduler.queue_max_bytes;
  options.retry_max_attempts = config.scheduler.retry_max_attempts;
  options.call_timeout = seconds(config.scheduler.timeout_seconds);
  options.default_max_age = seconds(config.task_max_age_seconds);
  options.seed = std::hash<std::string>{}(instance);
  options.rule_fallback = config.scheduler.rule_fallback;
  return options;
}

Result<std::pair<RateLimiterPtr, KeyStateStorePtr>> make_limiter(const SchedulerSections& config,
                                                                 Clock& clock) {
  const auto& rl = config.rate_limit;
  const Millis margin(rl.window_margin_ms);
  if (rl.backend != "redis") {
    return std::make_pair(RateLimiterPtr(std::make_unique<LocalRateLimiter>(clock)),
                          KeyStateStorePtr(std::make_unique<LocalKeyStateStore>()));
  }
  auto address = store::RedisAddress::parse(rl.redis_url.empty() ? config.redis_url : rl.redis_url);
  if (!address) return tl::unexpected(address.error());
  auto redis = std::make_shared<store::RedisClient>(*address, Millis(rl.redis_timeout_ms));
  RedisLimiterOptions options;
  options.expected_instances = rl.expected_instances;
  options.window_margin = margin;
  options.probe_interval = seconds(rl.probe_interval_seconds);
  return std::make_pair(RateLimiterPtr(std::make_unique<RedisRateLimiter>(redis, options, clock)),
                        KeyStateStorePtr(std::make_unique<RedisKeyStateStore>(redis)));
}

double ratio(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 1.0;
}

}  // namespace

Result<std::unique_ptr<Scheduler>> Scheduler::create(const SchedulerSections& config,
                                                     std::string instance_id,
                                                     std::vector<config::ApiKeyConfig> keys,
                                                     boost::asio::io_context& io,
                                                     llm::LlmClient& llm, Clock& clock,
                                                     prometheus::Registry* registry) {
  auto limiter = make_limiter(config, clock);
  if (!limiter) return tl::unexpected(limiter.error());
  std::unique_ptr<Scheduler> self(new Scheduler());
  self->instance_id_ = std::move(instance_id);
  self->min_available_keys_ = config.min_available_keys;
  self->max_concurrent_tasks_ = config.scheduler.max_concurrent_tasks;
  self->queue_size_ = config.scheduler.queue_size;
  self->limiter_ = std::move(limiter->first);
  self->key_states_ = std::move(limiter->second);
  self->keys_ = std::make_unique<KeyPool>(*self->limiter_, *self->key_states_,
                                          key_pool_settings(config), clock);
  self->keys_->configure(keys, config.accounts);
  self->capacity_ = capacity_per_second(keys, config.accounts);
  // Metrics always exist (the stats endpoint reads them); without a registry
  // of the process they live in one of the scheduler's own.
  if (!registry) {
    self->own_registry_ = std::make_unique<prometheus::Registry>();
    registry = self->own_registry_.get();
  }
  self->metrics_ = std::make_unique<SchedulerMetrics>(*registry);
  self->dispatcher_ =
      std::make_unique<Dispatcher>(dispatcher_options(config, self->instance_id_), io, *self->keys_,
                                   llm, config.llm, clock, *self->metrics_);
  const auto status = self->limiter_->status();
  get_logger("schedule")
      ->info("instance={} {} keys, rate limits: {} ({})", self->instance_id_, keys.size(),
             status.backend, status.detail);
  return self;
}

Scheduler::~Scheduler() = default;

void Scheduler::start() {
  dispatcher_->start();
}

void Scheduler::stop(Millis drain_timeout) {
  dispatcher_->stop(drain_timeout);
}

void Scheduler::reload(const SchedulerSections& config, std::vector<config::ApiKeyConfig> keys) {
  keys_->set_settings(key_pool_settings(config));
  keys_->configure(keys, config.accounts, /*reenable=*/true);
  capacity_ = capacity_per_second(keys, config.accounts);
  dispatcher_->set_llm_config(config.llm);
  min_available_keys_ = config.min_available_keys;
  get_logger("schedule")->info("instance={} reloaded: {} keys", instance_id_, keys.size());
}

std::string Scheduler::stats_json() {
  using nlohmann::json;
  const auto keys = keys_->snapshot();
  const DispatcherStats tasks = dispatcher_->stats();
  int64_t calls = 0;
  int64_t successes = 0;
  int available = 0, in_use = 0, cooling = 0, disabled = 0;
  json rate_limited = json::object();
  json key_list = json::array();
  for (const auto& key : keys) {
    calls += key.calls;
    successes += key.successes;
    available += key.state == KeyState::kAvailable;
    cooling += key.state == KeyState::kCooling;
    disabled += key.state == KeyState::kDisabled;
    in_use += key.in_flight > 0;
    for (const auto& [reason, count] : key.rate_limited) {
      rate_limited[reason] = rate_limited.value(reason, int64_t{0}) + count;
    }
    key_list.push_back(
        {{"key_id", key.id},
         {"key", key.masked},
         {"account", key.account},
         {"status", to_string(key.state)},
         {"weight", key.weight},
         {"in_flight", key.in_flight},
         {"total_calls", key.calls},
         {"successes", key.successes},
         {"failures", key.failures},
         {"success_rate", ratio(key.successes, key.successes + key.failures)},
         {"rate_limited", key.rate_limited},
         {"cooldown_remaining_ms", key.cooldown_remaining.count()},
         {"next_probe_in_ms", key.next_probe_in.count()},
         {"permits_left",
          {{"second", key.permits_left.second}, {"minute", key.permits_left.minute}}},
         {"mean_latency_ms", key.mean_latency_ms},
         {"disabled_reason", key.disabled_reason}});
  }
  const auto limiter = limiter_->status();
  const json data{
      {"instance", instance_id_},
      {"total_keys", keys.size()},
      {"available_keys", available},
      {"in_use_keys", in_use},
      {"cooling_keys", cooling},
      {"disabled_keys", disabled},
      {"total_calls", calls},
      {"success_rate", ratio(successes, calls - static_cast<int64_t>(tasks.in_flight))},
      {"in_flight", tasks.in_flight},
      {"queue_depth", tasks.queued},
      {"queue_bytes", tasks.queued_bytes},
      {"capacity_per_second", capacity_},
      {"window_margin_ms", keys_->margin().count()},
      {"max_concurrent_tasks", max_concurrent_tasks_},
      {"queue_size", queue_size_},
      {"rate_limited", rate_limited},
      {"tasks",
       {{"submitted", tasks.submitted},
        {"ok", tasks.ok},
        {"errors", tasks.errors},
        {"expired", tasks.expired},
        {"rejected", tasks.rejected},
        {"retries", tasks.retries},
        {"errors_by_code", tasks.errors_by_code}}},
      {"limiter",
       {{"backend", limiter.backend}, {"fallback", limiter.fallback}, {"detail", limiter.detail}}},
      {"keys", key_list},
  };
  return data.dump(-1, ' ', false, json::error_handler_t::replace);
}

void Scheduler::update_metrics() {
  metrics_->window_margin.Set(static_cast<double>(keys_->margin().count()) / 1000.0);
  metrics_->set_keys(keys_->snapshot());
  metrics_->queue_depth.Set(static_cast<double>(dispatcher_->queued()));
  metrics_->in_flight.Set(static_cast<double>(dispatcher_->in_flight()));
  metrics_->limiter_fallback.Set(limiter_->status().fallback ? 1 : 0);
}

SchedulerHealth Scheduler::health() {
  SchedulerHealth health{HealthStatus::kOk, {}};
  const auto keys = keys_->snapshot();
  int available = 0;
  int disabled = 0;
  for (const auto& key : keys) {
    available += key.state == KeyState::kAvailable;
    disabled += key.state == KeyState::kDisabled;
  }
  const auto degrade = [&](std::string reason) {
    health.status = worst(health.status, HealthStatus::kDegraded);
    health.reasons.push_back(std::move(reason));
  };
  if (keys.empty() || disabled == static_cast<int>(keys.size())) {
    health.status = HealthStatus::kDown;
    health.reasons.push_back(keys.empty() ? "no API key configured" : "every API key is disabled");
    return health;
  }
  if (disabled > 0)
    degrade(std::to_string(disabled) + " of " + std::to_string(keys.size()) + " keys disabled");
  if (available < min_available_keys_) {
    degrade(std::to_string(available) + " keys available, fewer than " +
            std::to_string(min_available_keys_));
  }
  if (const auto limiter = limiter_->status(); limiter.fallback) degrade(limiter.detail);
  if (dispatcher_->saturated()) degrade("task queue full: consumption paused");
  return health;
}

}  // namespace tmon::schedule
