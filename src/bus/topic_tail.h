#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/consumer.h"
#include "common/result.h"
#include "config/config.h"

namespace tmon::bus {

// Reads topics from where they end at open(), outside any consumer group:
// an observer (the benchmark, the end-to-end check) that must see every
// message produced after it started and nothing from before, and must not
// take partitions from the pipeline's own groups. Commits nothing.
// One thread at a time.
class TopicTail {
 public:
  // Assigns every partition of the topics at its current high watermark.
  // Fails when a topic does not exist or the broker does not answer.
  static Result<std::unique_ptr<TopicTail>> open(const config::KafkaConfig& kafka,
                                                 const std::vector<std::string>& topics,
                                                 const std::string& client_id,
                                                 Millis timeout = Millis(10'000));
  ~TopicTail();

  // The next message, or nullopt when none arrived within the timeout.
  std::optional<ConsumedMessage> poll(Millis timeout);

 private:
  TopicTail() = default;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

// How far each consumer group is behind on its topic: the sum over the
// topic's partitions of (high watermark - the group's committed offset),
// asked of the broker. Reads the groups' commits without joining them.
class GroupLagProbe {
 public:
  struct Watch {
    std::string group;
    std::string topic;
  };
  static Result<std::unique_ptr<GroupLagProbe>> open(const config::KafkaConfig& kafka,
                                                     std::vector<Watch> watches);
  ~GroupLagProbe();

  // Messages behind per watched topic (keyed by topic), or nullopt for a
  // topic whose offsets the broker did not give in time. A partition the
  // group never committed counts from its low watermark.
  std::vector<std::optional<int64_t>> lag(Millis timeout = Millis(2'000));
  const std::vector<Watch>& watches() const { return watches_; }

 private:
  GroupLagProbe() = default;
  std::vector<Watch> watches_;
  std::vector<std::unique_ptr<RdKafka::KafkaConsumer>> consumers_;  // one per watch
  std::vector<int32_t> partitions_;                                 // per watch
};

// Partitions of a topic, from the broker's metadata.
Result<int32_t> partition_count(RdKafka::Handle& handle, const std::string& topic, Millis timeout);

}  // namespace tmon::bus
