#include "common/health.h"

#include <algorithm>

namespace tmon {

std::string_view to_string(HealthStatus status) {
  switch (status) {
    case HealthStatus::kOk:
      return "ok";
    case HealthStatus::kDegraded:
      return "degraded";
    case HealthStatus::kDown:
      return "down";
  }
  return "down";
}

std::string_view to_guide_word(HealthStatus status) {
  switch (status) {
    case HealthStatus::kOk:
      return "healthy";
    case HealthStatus::kDegraded:
      return "degraded";
    case HealthStatus::kDown:
      return "unhealthy";
  }
  return "unhealthy";
}

HealthStatus worst(HealthStatus a, HealthStatus b) {
  return std::max(a, b);
}

}  // namespace tmon
