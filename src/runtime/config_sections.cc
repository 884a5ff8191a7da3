#include "runtime/config_sections.h"

namespace tmon::runtime {

schedule::SchedulerSections scheduler_sections(const config::Config& config) {
  schedule::SchedulerSections sections;
  sections.llm = config.llm;
  sections.accounts = config.accounts;
  sections.scheduler = config.scheduler;
  sections.rate_limit = config.rate_limit;
  sections.redis_url = config.pipeline.redis.url;
  sections.task_max_age_seconds = config.pipeline.tasks.max_age_seconds;
  sections.min_available_keys = config.monitoring.alerts.min_available_keys;
  return sections;
}

}  // namespace tmon::runtime
