#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"
#include "config/config.h"
#include "fleet/assignment.h"
#include "fleet/metrics.h"

namespace tmon::fleet {

// This detect instance's share of the cameras: a member of the consumer
// group `fleet.group_id` over the registry topic, with the cooperative-sticky
// assignor (a rebalance moves only the partitions that must move, so cameras
// that stay are not restarted). Each assigned partition is read from its
// start (a camera's value is its last record) into an Assignment, which
// starts and stops cameras through the CameraRunner; a revoked or lost
// partition's cameras are stopped inside the rebalance callback, before
// another member can be given them. Offsets are never committed (the
// registry is read whole every time): enable.auto.commit=false.
//
// When this process dies, the group notices after session.timeout.ms and
// gives its partitions to the others. One poll thread; stop() is idempotent.
class Ownership {
 public:
  static Result<std::unique_ptr<Ownership>> start(const config::KafkaConfig& kafka,
                                                  const std::string& instance_id,
                                                  Assignment& assignment, FleetMetrics* metrics);
  ~Ownership();
  Ownership(const Ownership&) = delete;
  Ownership& operator=(const Ownership&) = delete;

  // Leaves the group (its cameras stop, the others take its partitions).
  void stop();
  int64_t rebalances() const { return rebalances_; }
  // "COOPERATIVE" or "EAGER" once the group formed; "NONE" before.
  std::string protocol() const;

 private:
  class Rebalancer : public RdKafka::RebalanceCb {
   public:
    explicit Rebalancer(Ownership& owner) : owner_(owner) {}
    void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                      std::vector<RdKafka::TopicPartition*>& partitions) override;

   private:
    Ownership& owner_;
  };

  Ownership(std::string topic, Assignment& assignment, FleetMetrics* metrics);
  void on_assign(RdKafka::KafkaConsumer& consumer,
                 std::vector<RdKafka::TopicPartition*>& partitions, bool incremental);
  void on_revoke(RdKafka::KafkaConsumer& consumer,
                 std::vector<RdKafka::TopicPartition*>& partitions, bool incremental);
  void run();
  void handle(RdKafka::Message& message);
  void update_gauges();

  std::string topic_;
  Assignment& assignment_;
  FleetMetrics* metrics_;
  Rebalancer rebalancer_{*this};  // outlives consumer_
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::atomic<int64_t> rebalances_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tmon::fleet
