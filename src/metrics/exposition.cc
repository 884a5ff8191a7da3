#include "metrics/exposition.h"

#include <prometheus/text_serializer.h>

namespace tmon::metrics {

std::string serialize(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

void add_metrics_route(http::Router& router, RegistryPtr registry) {
  router.add(http::Verb::get, "/metrics", [registry](http::RequestContext&) {
    http::Response response{http::Status::ok, 11};
    response.set(http::beast_http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = serialize(*registry);
    response.prepare_payload();
    return response;
  });
}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60};
  return kBuckets;
}

}  // namespace tmon::metrics
