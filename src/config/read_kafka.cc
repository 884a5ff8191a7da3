#include "config/field_io.h"
#include "config/scalar.h"
#include "config/sections.h"

namespace tmon::config {
namespace {

void read_topics(MapReader r, TopicsConfig& topics) {
  read_fields(r.map("detection_results"), topics.detection_results);
  read_fields(r.map("assessment_tasks"), topics.assessment_tasks);
  read_fields(r.map("risk_assessment_results"), topics.risk_assessment_results);
  read_fields(r.map("dead_letter"), topics.dead_letter);
}

void read_producer(MapReader r, ProducerConfig& p) {
  read_fields(r, p);
  // librdkafka refuses to create an idempotent producer without acks=all;
  // failing here names the file and line instead of failing at start-up.
  if (!r.failed() && p.enable_idempotence && p.acks != "all" && p.acks != "-1") {
    r.fail("acks", "expected all or -1 while enable_idempotence is true, got \"" + p.acks + "\"");
  }
}

void read_consumer(MapReader r, ConsumerConfig& c) {
  read_fields(r, c);
  // A member that heartbeats less often than its session timeout is evicted
  // from the group and rebalances forever.
  if (!r.failed() && c.heartbeat_interval_ms >= c.session_timeout_ms) {
    r.fail("heartbeat_interval_ms", "expected an integer < session_timeout_ms (" +
                                        std::to_string(c.session_timeout_ms) + "), got \"" +
                                        std::to_string(c.heartbeat_interval_ms) + "\"");
  }
}

void read_fleet(MapReader r, FleetConfig& f) {
  r.read("registry_topic", f.registry_topic, non_empty("topic name"));
  r.read("registry_partitions", f.registry_partitions, int_between(1, 1000));
  r.read("group_id", f.group_id, non_empty("consumer group id"));
  r.read("max_cameras", f.max_cameras, int_between(1, 1'000'000));
  r.read("status_period_seconds", f.status_period_seconds, number_between(0.1, 60));
  r.read("status_ttl_seconds", f.status_ttl_seconds, number_between(1, 86'400));
  r.read("ephemeral_grace_seconds", f.ephemeral_grace_seconds, number_between(0, 86'400));
  if (!r.failed() && f.status_ttl_seconds < 3 * f.status_period_seconds) {
    r.fail("status_ttl_seconds", "expected a number >= 3 * status_period_seconds");
  }
}

}  // namespace

void read_kafka_file(MapReader& root, KafkaConfig& kafka) {
  root.read("bootstrap_servers", kafka.bootstrap_servers,
            non_empty("host:port list, or \"embedded\""));
  root.read("embedded_brokers", kafka.embedded_brokers, int_at_least(1));
  read_topics(root.map("topics"), kafka.topics);
  read_producer(root.map("producer"), kafka.producer);
  read_consumer(root.map("consumer"), kafka.consumer);
  read_fleet(root.map("fleet"), kafka.fleet);
}

}  // namespace tmon::config
