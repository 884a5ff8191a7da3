#pragma once

#include <memory>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <string>

#include "http/router.h"

namespace tmon::metrics {

using RegistryPtr = std::shared_ptr<prometheus::Registry>;

// The registry's metrics in Prometheus' text exposition format (0.0.4).
std::string serialize(const prometheus::Registry& registry);

// GET /metrics on a router, for Prometheus to scrape.
void add_metrics_route(http::Router& router, RegistryPtr registry);

// Default histogram buckets for latencies in seconds: 5 ms to 60 s.
const prometheus::Histogram::BucketBoundaries& latency_buckets();

}  // namespace tmon::metrics
