#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace tmon::bus {

struct TopicStatus {
  std::string name;
  int partitions = 0;
  bool created = false;  // false: it existed already
};

// Creates the configured topics that do not exist yet, with their partition
// count, replication factor and retention. Idempotent: existing topics are
// reported, not changed (a partition-count mismatch is a warning in the log,
// since Kafka can only grow partitions and that is an operator's decision).
Result<std::vector<TopicStatus>> ensure_topics(const config::KafkaConfig& kafka, Millis timeout);

// Partition count per existing topic, from broker metadata.
Result<std::vector<TopicStatus>> describe_topics(const config::KafkaConfig& kafka, Millis timeout);

}  // namespace tmon::bus
