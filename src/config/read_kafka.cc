#include "config/field_io.h"
#include "config/scalar.h"
#include "config/sections.h"

namespace tmon::config {

// librdkafka refuses to create an idempotent producer without acks=all;
// failing here names the file and line instead of failing at start-up.
void check_producer(MapReader& r, ProducerConfig& p) {
  if (p.enable_idempotence && p.acks != "all" && p.acks != "-1") {
    r.fail("acks", "expected all or -1 while enable_idempotence is true, got \"" + p.acks + "\"");
  }
}

// A member that heartbeats less often than its session timeout is evicted
// from the group and rebalances forever.
void check_consumer(MapReader& r, ConsumerConfig& c) {
  if (c.heartbeat_interval_ms >= c.session_timeout_ms) {
    r.fail("heartbeat_interval_ms", "expected an integer < session_timeout_ms (" +
                                        std::to_string(c.session_timeout_ms) + "), got \"" +
                                        std::to_string(c.heartbeat_interval_ms) + "\"");
  }
}

// A status older than 3 periods means "no owner": the key must outlive that.
void check_fleet(MapReader& r, FleetConfig& f) {
  if (f.status_ttl_seconds < 3 * f.status_period_seconds) {
    r.fail("status_ttl_seconds", "expected a number >= 3 * status_period_seconds");
  }
}

void read_kafka_file(MapReader& root, KafkaConfig& kafka) {
  read_fields(root, kafka);
}

}  // namespace tmon::config
