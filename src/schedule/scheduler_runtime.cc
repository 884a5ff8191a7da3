#include "schedule/scheduler_runtime.h"

#include "llm/openai_client.h"

namespace tmon::schedule {

Result<std::unique_ptr<SchedulerRuntime>> SchedulerRuntime::create(
    const SchedulerSections& config, std::string instance_id,
    std::vector<config::ApiKeyConfig> keys, const std::string& base_url, Clock& clock,
    prometheus::Registry* registry) {
  auto url = http::Url::parse(base_url);
  if (!url) return tl::unexpected(url.error());
  std::unique_ptr<SchedulerRuntime> self(new SchedulerRuntime());
  self->llm_ = std::make_unique<llm::OpenAiCompatibleClient>(*url, self->http_, clock);
  auto scheduler = Scheduler::create(config, std::move(instance_id), std::move(keys),
                                     self->io_.context(), *self->llm_, clock, registry);
  if (!scheduler) return tl::unexpected(scheduler.error());
  self->scheduler_ = std::move(*scheduler);
  return self;
}

SchedulerRuntime::~SchedulerRuntime() {
  io_.stop();
}

void SchedulerRuntime::stop(Millis drain) {
  scheduler_->stop(drain);
  io_.stop();
}

}  // namespace tmon::schedule
