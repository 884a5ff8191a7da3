#include "aggregate/metrics.h"

#include "metrics/exposition.h"

namespace tmon::aggregate {

AggregateMetrics::AggregateMetrics(prometheus::Registry& registry)
    : results(prometheus::BuildCounter()
                  .Name("aggregate_results_total")
                  .Help("Assessment results stored (first time only), by status")
                  .Register(registry)),
      replays(prometheus::BuildCounter()
                  .Name("aggregate_replays_total")
                  .Help("Results received again (Kafka replays) and ignored")
                  .Register(registry)
                  .Add({})),
      views(prometheus::BuildCounter()
                .Name("aggregate_views_total")
                .Help("Frame views published: complete, or partial after the timeout")
                .Register(registry)),
      pending_frames(prometheus::BuildGauge()
                         .Name("aggregate_pending_frames")
                         .Help("Frames waiting for the rest of their results")
                         .Register(registry)
                         .Add({})),
      alerts(prometheus::BuildCounter()
                 .Name("alerts_total")
                 .Help("Alerts raised (new) or continued, by risk level")
                 .Register(registry)),
      end_to_end_latency(prometheus::BuildHistogram()
                             .Name("end_to_end_latency_seconds")
                             .Help("From frame capture to its merged view being stored")
                             .Register(registry)
                             .Add({}, tmon::metrics::latency_buckets())),
      store_errors(prometheus::BuildCounter()
                       .Name("aggregate_store_errors_total")
                       .Help("Result store (Redis) calls that failed and were retried")
                       .Register(registry)
                       .Add({})),
      detections(prometheus::BuildCounter()
                     .Name("aggregate_detections_total")
                     .Help("Frame detections consumed to merge into views, by outcome: stored, "
                           "no_groups, undecodable")
                     .Register(registry)),
      bad_records(prometheus::BuildCounter()
                      .Name("aggregate_bad_records_total")
                      .Help("Stored records (alerts, results, detections) that could not be read "
                            "back and were skipped")
                      .Register(registry)) {
  for (const char* kind : {"alert", "result", "detection"}) bad_records.Add({{"kind", kind}});
}

}  // namespace tmon::aggregate
