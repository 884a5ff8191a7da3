#pragma once

#include <functional>
#include <map>
#include <string>

#include "api/stats_counters.h"
#include "common/clock.h"
#include "http/router.h"

namespace tmon::api {

// Messages not yet processed per topic, by the consumers of this process.
using KafkaLagProbe = std::function<std::map<std::string, int64_t>()>;

//   GET /api/stats/summary?windowMinutes=<1..120, 15>
//   {windowMinutes, calls, errors, callsPerMinute, latencyMs:{p50, p95},
//    alertsByLevel:{level: n}, minutes:[{minute, calls, errors, p50, p95,
//    alerts}], kafkaLag:{topic: n}, latencyBoundsMs:[...]}
// from the per-minute counters (Redis: the whole deployment's). Latency
// percentiles are bucket bounds of kLatencyBoundsMs.
void add_stats_routes(http::Router& router, StatsCountersPtr counters, Clock& clock,
                      KafkaLagProbe kafka_lag = {});

}  // namespace tmon::api
