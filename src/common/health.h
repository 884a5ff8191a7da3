#pragma once

#include <string_view>

namespace tmon {

// How a component, a process or a whole service is doing. One enum for every
// layer (the scheduler, the pipeline's health report, /health), ordered from
// best to worst so the worst of several is their maximum.
enum class HealthStatus { kOk, kDegraded, kDown };

// The word on /health and /api/health: ok, degraded, down.
std::string_view to_string(HealthStatus status);
// The original scheduler guide's word, kept on /api/scheduler/health for its
// clients: healthy, degraded, unhealthy.
std::string_view to_guide_word(HealthStatus status);
// The worse of the two.
HealthStatus worst(HealthStatus a, HealthStatus b);

}  // namespace tmon
