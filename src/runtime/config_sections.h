#pragma once

// Each component receives only the configuration it reads: the runtime, which
// holds the whole Config, cuts out the sections here.

#include "config/config.h"
#include "schedule/scheduler_sections.h"

namespace tmon::runtime {

// What a scheduler reads (the LLM provider, accounts, scheduler and rate
// limit sections, and the three settings of other files it depends on).
schedule::SchedulerSections scheduler_sections(const config::Config& config);

}  // namespace tmon::runtime
