#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace tmon::bus {

// librdkafka's mock cluster: a Kafka broker that speaks the real protocol on
// loopback TCP and keeps everything in memory. For development, demos and
// tests only; its data is gone when the process exits.
//
// Two quirks of librdkafka 2.0's mock shape this class (DESIGN.md §4):
// brokers listen on ephemeral ports, and the cluster does not answer the admin
// CreateTopics request, so the configured topics are created here, directly,
// with their partition counts.
class EmbeddedBroker {
 public:
  // Creates `topics` and `extra_topics` (the camera registry).
  static Result<std::unique_ptr<EmbeddedBroker>> start(
      int brokers, const config::TopicsConfig& topics,
      const std::vector<config::TopicConfig>& extra_topics = {});
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:port[,127.0.0.1:port...]" for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  // Creates a topic if it does not exist yet.
  Status create_topic(const std::string& name, int partitions, int replication_factor);
  // Takes every broker down (connections dropped, new ones refused) or
  // brings them back: an outage for tests.
  void set_available(bool available);

 private:
  EmbeddedBroker() = default;

  rd_kafka_s* handle_ = nullptr;  // owns the mock cluster's threads
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  int brokers_ = 1;
  std::string bootstrap_servers_;
};

}  // namespace tmon::bus
