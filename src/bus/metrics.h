#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>
#include <vector>

namespace tmon::bus {

// Kafka bus metrics of one process, shared by its consumers, producer and
// dead-letter publishers. Labels are bounded: topic, partition and group come
// from the config; a dead letter's reason is a category (see
// dead_letter_reason()), never the decoder's full text. Prometheus adds
// `instance` per scrape target, so several processes of one group do not clash.
//
// Thread-safe (prometheus-cpp metrics are). Must outlive what updates it.
struct BusMetrics {
  explicit BusMetrics(prometheus::Registry& registry);

  // High watermark minus the group's committed offset (or the consumer's
  // position when nothing is committed), per assigned partition; + topic,
  // partition, group. Series of revoked partitions are removed.
  prometheus::Family<prometheus::Gauge>& consumer_lag;
  prometheus::Family<prometheus::Counter>& messages_consumed;  // + topic, group
  prometheus::Family<prometheus::Counter>& produce_errors;  // not queued or not delivered; + topic
  prometheus::Family<prometheus::Counter>& dead_letters;    // delivered; + topic, stage, reason
  // Dead letters whose payload was cut to fit the topic; + topic (source), stage.
  prometheus::Family<prometheus::Counter>& dead_letters_truncated;
  // Outputs sent again after a failed delivery (RetryingSender); + topic.
  prometheus::Family<prometheus::Counter>& delivery_retries;
  // Outputs waiting for their next attempt (no labels).
  prometheus::Family<prometheus::Gauge>& deliveries_pending_retry;
  // Exceptions out of a stage's handler (the message is dead-lettered) or
  // its loop; + stage.
  prometheus::Family<prometheus::Counter>& handler_errors;

  // Creates the zero series a stage may later count into (each reason
  // category of dead letters from `source_topic`; produce errors on
  // `output_topics`), so rate() and increase() see the first event and
  // dashboards find the series before anything went wrong.
  void init_stage(const std::string& source_topic, const std::string& stage,
                  const std::vector<std::string>& output_topics);
};

}  // namespace tmon::bus
