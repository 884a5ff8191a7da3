#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/router.h"

namespace tmon::metrics {

using RegistryPtr = std::shared_ptr<prometheus::Registry>;

// The registry's metrics in Prometheus' text exposition format (0.0.4).
std::string serialize(const prometheus::Registry& registry);

// Work done right before each scrape: copies state kept elsewhere (queue
// depths, key states, a subscriber's connection) into gauges and counters, so
// they are exact at scrape time without a thread of their own. Hooks run on
// the HTTP server's thread, one scrape at a time; keep them short. Whatever a
// hook captures must outlive the server that serves the route.
class ScrapeHooks {
 public:
  void add(std::function<void()> hook);
  void run();  // thread-safe; hooks of concurrent scrapes never interleave

 private:
  std::mutex mu_;
  std::vector<std::function<void()>> hooks_;
};

using ScrapeHooksPtr = std::shared_ptr<ScrapeHooks>;

// GET /metrics on a router, for Prometheus to scrape; `hooks` (may be null)
// run before each scrape.
//
// No series carries an `instance` label: Prometheus adds `instance` (the
// scraped host:port) to every series of a target at scrape time, and a label
// of our own by that name would clash with it.
void add_metrics_route(http::Router& router, RegistryPtr registry, ScrapeHooksPtr hooks = nullptr);

// Raises a counter to `total`, a running total kept elsewhere (a component's
// own stats). Never lowers it: a total that restarts from zero (its owner was
// replaced) leaves the counter where it was until it passes it again.
void advance_counter(prometheus::Counter& counter, double total);

// Default histogram buckets for latencies in seconds: 5 ms to 60 s.
const prometheus::Histogram::BucketBoundaries& latency_buckets();

}  // namespace tmon::metrics
