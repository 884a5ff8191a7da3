#include "store/open.h"

#include <algorithm>

#include "common/logging.h"
#include "store/memory_result_store.h"
#include "store/redis_result_store.h"

namespace tmon::store {

StoreOptions store_options(const config::AggregationConfig& a) {
  StoreOptions options;
  options.result_ttl_seconds = a.result_ttl_seconds;
  options.latest_ttl_seconds = a.latest_ttl_seconds;
  options.history_size = a.history_size;
  options.alerts_size = a.alerts_size;
  // Results of a frame are held until it is published; keep them well past
  // the partial timeout so a restarted aggregator can still finish it.
  options.frame_ttl_seconds = std::max(600, static_cast<int>(a.partial_timeout_seconds * 10));
  options.detection_ttl_seconds = a.detection_ttl_seconds;
  options.high_risk_views_size = a.high_risk_views_size;
  return options;
}

Result<OpenedStore> open(const config::RedisConfig& redis, const StoreOptions& options,
                         MemoryFallback fallback, Clock& clock) {
  const auto logger = get_logger("store");
  auto address = RedisAddress::parse(redis.url);
  if (!address) return tl::unexpected(address.error());
  auto client = std::make_shared<RedisClient>(*address, Millis(redis.timeout_ms));
  auto reachable = client->ping();
  if (reachable) {
    OpenedStore opened;
    opened.store = std::make_shared<RedisResultStore>(client, options);
    opened.redis = client;
    opened.detail = opened.store->describe();
    logger->info("results go to {}", opened.detail);
    return opened;
  }
  if (fallback == MemoryFallback::kRefused) {
    return make_error(ErrorCode::kUnavailable,
                      reachable.error().message + " (set pipeline.redis.url or TMON_REDIS_URL)");
  }
  logger->warn(
      "{}; keeping results in process memory instead (lost on exit, not shared "
      "with other processes)",
      reachable.error().message);
  return OpenedStore{std::make_shared<MemoryResultStore>(options, clock), nullptr,
                     HealthStatus::kDegraded, "in-process memory: Redis unreachable"};
}

}  // namespace tmon::store
