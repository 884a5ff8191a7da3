#include "api/stats_routes.h"

#include <charconv>

#include "api/envelope.h"

namespace tmon::api {
namespace {

using messages::JsonValue;

http::Response summary(const http::RequestContext& context, StatsCounters& counters, Clock& clock,
                       const KafkaLagProbe& kafka_lag) {
  int window = 15;
  if (const auto text = context.query_param("windowMinutes"); text && !text->empty()) {
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), window);
    if (ec != std::errc{} || end != text->data() + text->size() || window < 1 ||
        window > kStatsKeptMinutes) {
      return http::error_response(http::Status::bad_request, "bad_windowMinutes",
                                  "windowMinutes: expected an integer from 1 to " +
                                      std::to_string(kStatsKeptMinutes) + ", got \"" + *text +
                                      "\"");
    }
  }
  auto minutes = counters.read(clock.epoch_ms(), window);
  if (!minutes) {
    return http::error_response(http::Status::service_unavailable, "store_unavailable",
                                "stats unavailable: " + minutes.error().message);
  }
  MinuteCounts total;
  JsonValue per_minute = JsonValue::array();
  for (const auto& minute : *minutes) {
    total.calls += minute.calls;
    total.errors += minute.errors;
    int64_t alerts = 0;
    for (size_t i = 0; i < kLatencyBuckets; ++i) total.latency[i] += minute.latency[i];
    for (const auto& [level, n] : minute.alerts_by_level) {
      total.alerts_by_level[level] += n;
      alerts += n;
    }
    per_minute.push_back({{"minute", minute.minute_ms},
                          {"calls", minute.calls},
                          {"errors", minute.errors},
                          {"p50", latency_percentile(minute.latency, 0.5)},
                          {"p95", latency_percentile(minute.latency, 0.95)},
                          {"alerts", alerts}});
  }
  JsonValue by_level = JsonValue::object();
  for (const char* level : {"low", "medium", "high", "critical"}) {
    by_level[level] = total.alerts_by_level[level];
  }
  JsonValue lag = JsonValue::object();
  if (kafka_lag) {
    for (const auto& [topic, n] : kafka_lag()) lag[topic] = n;
  }
  return envelope(http::Status::ok,
                  JsonValue{{"windowMinutes", window},
                            {"calls", total.calls},
                            {"errors", total.errors},
                            {"callsPerMinute", static_cast<double>(total.calls) / window},
                            {"latencyMs",
                             {{"p50", latency_percentile(total.latency, 0.5)},
                              {"p95", latency_percentile(total.latency, 0.95)}}},
                            {"alertsByLevel", std::move(by_level)},
                            {"minutes", std::move(per_minute)},
                            {"kafkaLag", std::move(lag)},
                            {"latencyBoundsMs", kLatencyBoundsMs}});
}

}  // namespace

void add_stats_routes(http::Router& router, StatsCountersPtr counters, Clock& clock,
                      KafkaLagProbe kafka_lag) {
  router.add(http::Verb::get, "/api/stats/summary",
             [counters, &clock, kafka_lag](http::RequestContext& context) {
               return summary(context, *counters, clock, kafka_lag);
             });
}

}  // namespace tmon::api
