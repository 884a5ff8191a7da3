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

}  // namespace

void read_kafka_file(MapReader& root, KafkaConfig& kafka) {
  root.read("bootstrap_servers", kafka.bootstrap_servers,
            non_empty("host:port list, or \"embedded\""));
  root.read("embedded_brokers", kafka.embedded_brokers, int_at_least(1));
  read_topics(root.map("topics"), kafka.topics);
  read_producer(root.map("producer"), kafka.producer);
  read_consumer(root.map("consumer"), kafka.consumer);
}

}  // namespace tmon::config
