#include "metrics/exposition.h"

#include <prometheus/text_serializer.h>

namespace tmon::metrics {

std::string serialize(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

void ScrapeHooks::add(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  hooks_.push_back(std::move(hook));
}

void ScrapeHooks::run() {
  std::lock_guard lock(mu_);
  for (const auto& hook : hooks_) hook();
}

void add_metrics_route(http::Router& router, RegistryPtr registry, ScrapeHooksPtr hooks) {
  router.add(http::Verb::get, "/metrics", [registry, hooks](http::RequestContext&) {
    if (hooks) hooks->run();
    http::Response response{http::Status::ok, 11};
    response.set(http::beast_http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = serialize(*registry);
    response.prepare_payload();
    return response;
  });
}

void advance_counter(prometheus::Counter& counter, double total) {
  const double current = counter.Value();
  if (total > current) counter.Increment(total - current);
}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60};
  return kBuckets;
}

}  // namespace tmon::metrics
