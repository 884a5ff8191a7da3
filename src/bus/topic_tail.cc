#include "bus/topic_tail.h"

#include "bus/kafka_conf.h"
#include "common/ids.h"
#include "common/logging.h"

namespace tmon::bus {
namespace {

// Owns librdkafka's TopicPartition objects.
struct Partitions {
  std::vector<RdKafka::TopicPartition*> items;
  Partitions() = default;
  Partitions(const Partitions&) = delete;
  ~Partitions() { RdKafka::TopicPartition::destroy(items); }
};

Result<std::unique_ptr<RdKafka::KafkaConsumer>> make_consumer(const config::KafkaConfig& kafka,
                                                              const std::string& client_id,
                                                              const std::string& group_id) {
  auto conf = make_consumer_conf(kafka, client_id, group_id);
  if (!conf) return tl::unexpected(conf.error());
  if (auto ok = set_property(**conf, "enable.auto.commit", "false"); !ok) {
    return tl::unexpected(ok.error());
  }
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf->get(), error));
  if (!consumer) return make_error(ErrorCode::kInvalidArgument, "kafka consumer: " + error);
  return consumer;
}

}  // namespace

Result<int32_t> partition_count(RdKafka::Handle& handle, const std::string& topic, Millis timeout) {
  std::string error;
  std::unique_ptr<RdKafka::Topic> handle_topic(
      RdKafka::Topic::create(&handle, topic, nullptr, error));
  if (!handle_topic) return make_error(ErrorCode::kInvalidArgument, topic + ": " + error);
  RdKafka::Metadata* raw = nullptr;
  if (auto err =
          handle.metadata(false, handle_topic.get(), &raw, static_cast<int>(timeout.count()));
      err != RdKafka::ERR_NO_ERROR) {
    return make_error(ErrorCode::kUnavailable,
                      "metadata of " + topic + ": " + RdKafka::err2str(err));
  }
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  for (const auto* t : *metadata->topics()) {
    if (t->topic() != topic) continue;
    if (t->err() != RdKafka::ERR_NO_ERROR || t->partitions()->empty()) {
      return make_error(ErrorCode::kNotFound, "topic " + topic + ": " + RdKafka::err2str(t->err()));
    }
    return static_cast<int32_t>(t->partitions()->size());
  }
  return make_error(ErrorCode::kNotFound, "topic " + topic + " does not exist");
}

Result<std::unique_ptr<TopicTail>> TopicTail::open(const config::KafkaConfig& kafka,
                                                   const std::vector<std::string>& topics,
                                                   const std::string& client_id, Millis timeout) {
  // A group id librdkafka requires, never joined: assign() bypasses groups.
  auto consumer = make_consumer(kafka, client_id, "tmon-tail-" + random_hex_id(8));
  if (!consumer) return tl::unexpected(consumer.error());
  Partitions start;
  for (const auto& topic : topics) {
    auto count = partition_count(**consumer, topic, timeout);
    if (!count) return tl::unexpected(count.error());
    for (int32_t p = 0; p < *count; ++p) {
      int64_t low = 0;
      int64_t high = 0;
      if (auto err = (*consumer)->query_watermark_offsets(topic, p, &low, &high,
                                                          static_cast<int>(timeout.count()));
          err != RdKafka::ERR_NO_ERROR) {
        return make_error(ErrorCode::kUnavailable, "end of " + topic + "[" + std::to_string(p) +
                                                       "]: " + RdKafka::err2str(err));
      }
      start.items.push_back(RdKafka::TopicPartition::create(topic, p, high));
    }
  }
  if (auto err = (*consumer)->assign(start.items); err != RdKafka::ERR_NO_ERROR) {
    return make_error(ErrorCode::kUnavailable, "assign: " + RdKafka::err2str(err));
  }
  std::unique_ptr<TopicTail> tail(new TopicTail());
  tail->consumer_ = std::move(*consumer);
  return tail;
}

TopicTail::~TopicTail() {
  if (consumer_) consumer_->close();
}

std::optional<ConsumedMessage> TopicTail::poll(Millis timeout) {
  std::unique_ptr<RdKafka::Message> message(consumer_->consume(static_cast<int>(timeout.count())));
  if (message->err() == RdKafka::ERR__TIMED_OUT || message->err() == RdKafka::ERR__PARTITION_EOF) {
    return std::nullopt;
  }
  if (message->err() != RdKafka::ERR_NO_ERROR) {
    get_logger("bus")->warn("tail: {}", message->errstr());
    return std::nullopt;
  }
  return ConsumedMessage::from(*message);
}

Result<std::unique_ptr<GroupLagProbe>> GroupLagProbe::open(const config::KafkaConfig& kafka,
                                                           std::vector<Watch> watches) {
  std::unique_ptr<GroupLagProbe> probe(new GroupLagProbe());
  for (const auto& watch : watches) {
    // A client with the group's id may read its commits; it never subscribes,
    // so it never joins the group nor takes a partition from its members.
    auto consumer = make_consumer(kafka, "tmon-lag-probe", watch.group);
    if (!consumer) return tl::unexpected(consumer.error());
    auto count = partition_count(**consumer, watch.topic, Millis(10'000));
    if (!count) return tl::unexpected(count.error());
    probe->consumers_.push_back(std::move(*consumer));
    probe->partitions_.push_back(*count);
  }
  probe->watches_ = std::move(watches);
  return probe;
}

GroupLagProbe::~GroupLagProbe() {
  for (auto& consumer : consumers_) consumer->close();
}

std::vector<std::optional<int64_t>> GroupLagProbe::lag(Millis timeout) {
  std::vector<std::optional<int64_t>> lags;
  const int timeout_ms = static_cast<int>(timeout.count());
  for (size_t w = 0; w < watches_.size(); ++w) {
    const std::string& topic = watches_[w].topic;
    auto& consumer = *consumers_[w];
    Partitions partitions;
    for (int32_t p = 0; p < partitions_[w]; ++p) {
      partitions.items.push_back(RdKafka::TopicPartition::create(topic, p));
    }
    std::optional<int64_t> total;
    if (consumer.committed(partitions.items, timeout_ms) == RdKafka::ERR_NO_ERROR) {
      total = 0;
      for (const auto* tp : partitions.items) {
        int64_t low = 0;
        int64_t high = 0;
        if (consumer.query_watermark_offsets(topic, tp->partition(), &low, &high, timeout_ms) !=
            RdKafka::ERR_NO_ERROR) {
          total.reset();
          break;
        }
        const int64_t done = tp->offset() >= 0 ? tp->offset() : low;
        *total += std::max<int64_t>(0, high - done);
      }
    }
    lags.push_back(total);
  }
  return lags;
}

}  // namespace tmon::bus
