#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/health.h"
#include "common/result.h"
#include "config/config.h"
#include "store/redis_client.h"
#include "store/result_store.h"

namespace tmon::store {

// What the store keeps and for how long, from the aggregation section.
StoreOptions store_options(const config::AggregationConfig& aggregation);

// Whether a process may keep results in its own memory when Redis is
// unreachable: the one-command demo may, a process among others may not
// (its views would be invisible to the rest).
enum class MemoryFallback { kAllowed, kRefused };

struct OpenedStore {
  ResultStorePtr store;
  std::shared_ptr<RedisClient> redis;  // null when the results are in memory
  HealthStatus health = HealthStatus::kOk;
  std::string detail;  // for the health report
};

// The result store a process uses: Redis at `redis.url` when it answers,
// else (when allowed) an in-process store, with a warning and degraded
// health. kUnavailable when Redis is unreachable and memory is refused.
Result<OpenedStore> open(const config::RedisConfig& redis, const StoreOptions& options,
                         MemoryFallback fallback, Clock& clock);

}  // namespace tmon::store
