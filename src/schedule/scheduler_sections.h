#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace tmon::schedule {

// The configuration a scheduler reads, and only that: made by the caller
// (runtime::scheduler_sections) from the whole Config, or set field by field
// in tests and benchmarks. Copied once per create or reload.
struct SchedulerSections {
  config::LlmConfig llm;
  std::vector<config::AccountConfig> accounts;
  config::SchedulerConfig scheduler;
  config::RateLimitConfig rate_limit;
  // pipeline.yaml redis.url: the shared limiter's Redis when rate_limit.redis_url is empty.
  std::string redis_url = config::RedisConfig{}.url;
  // pipeline.yaml tasks.max_age_seconds: the deadline of a task that carries none.
  double task_max_age_seconds = config::TaskConfig{}.max_age_seconds;
  // monitoring.yaml alerts.min_available_keys: health degrades below it.
  int min_available_keys = config::AlertThresholds{}.min_available_keys;
};

}  // namespace tmon::schedule
