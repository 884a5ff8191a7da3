#include "bus/consumer.h"

#include "bus/kafka_conf.h"
#include "common/logging.h"

namespace tmon::bus {
namespace {

std::vector<PartitionKey> keys_of(const std::vector<RdKafka::TopicPartition*>& partitions) {
  std::vector<PartitionKey> keys;
  keys.reserve(partitions.size());
  for (const auto* tp : partitions) keys.push_back({tp->topic(), tp->partition()});
  return keys;
}

// Owns the TopicPartition objects librdkafka's vector API wants.
struct PartitionList {
  std::vector<RdKafka::TopicPartition*> items;
  PartitionList() = default;
  PartitionList(const PartitionList&) = delete;
  ~PartitionList() { RdKafka::TopicPartition::destroy(items); }
};

}  // namespace

void Consumer::Rebalancer::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                                        std::vector<RdKafka::TopicPartition*>& partitions) {
  const bool incremental = consumer->rebalance_protocol() == "COOPERATIVE";
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    owner_.on_assign(partitions, incremental);
  } else {
    owner_.on_revoke(partitions, incremental);
  }
}

Result<std::unique_ptr<Consumer>> Consumer::create(const config::KafkaConfig& kafka,
                                                   ConsumerOptions options) {
  auto conf = make_consumer_conf(kafka, options.client_id, options.group_id);
  if (!conf) return tl::unexpected(conf.error());
  std::unique_ptr<Consumer> self(
      new Consumer(std::move(options), Millis(kafka.consumer.commit_interval_ms)));
  std::string error;
  if ((*conf)->set("rebalance_cb", &self->rebalancer_, error) != RdKafka::Conf::CONF_OK) {
    return make_error(ErrorCode::kInternal, "rebalance_cb: " + error);
  }
  self->consumer_.reset(RdKafka::KafkaConsumer::create(conf->get(), error));
  if (!self->consumer_) {
    return make_error(ErrorCode::kInvalidArgument, "kafka consumer: " + error);
  }
  if (auto err = self->consumer_->subscribe(self->options_.topics); err != RdKafka::ERR_NO_ERROR) {
    return make_error(ErrorCode::kInvalidArgument, "subscribe: " + RdKafka::err2str(err));
  }
  return self;
}

Consumer::Consumer(ConsumerOptions options, Millis commit_interval)
    : options_(std::move(options)), commit_interval_(commit_interval) {}

Consumer::~Consumer() {
  close();
}

std::optional<ConsumedMessage> Consumer::poll(Millis timeout) {
  if (std::chrono::steady_clock::now() - last_commit_ >= commit_interval_) {
    if (auto ok = commit(); !ok) {
      get_logger("bus")->warn("group={} commit failed, will retry: {}", options_.group_id,
                              ok.error().message);
    }
  }
  std::unique_ptr<RdKafka::Message> message(consumer_->consume(static_cast<int>(timeout.count())));
  switch (message->err()) {
    case RdKafka::ERR_NO_ERROR:
      break;
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__PARTITION_EOF:
      return std::nullopt;
    default:
      get_logger("bus")->warn("group={} consume: {}", options_.group_id, message->errstr());
      return std::nullopt;
  }
  ConsumedMessage out;
  out.topic = message->topic_name();
  out.partition = message->partition();
  out.offset = message->offset();
  if (const std::string* key = message->key()) out.key = *key;
  out.value.assign(static_cast<const char*>(message->payload()), message->len());
  out.timestamp_ms = message->timestamp().timestamp;
  tracker_.received(out.partition_key(), out.offset);
  return out;
}

void Consumer::complete(const ConsumedMessage& message) {
  tracker_.completed(message.partition_key(), message.offset);
}

void Consumer::complete(const PartitionKey& partition, int64_t offset) {
  tracker_.completed(partition, offset);
}

Status Consumer::commit() {
  last_commit_ = std::chrono::steady_clock::now();
  return commit_points(tracker_.pending_commits());
}

Status Consumer::commit_points(const std::vector<CommitPoint>& points) {
  if (points.empty()) return {};
  PartitionList offsets;
  for (const auto& point : points) {
    offsets.items.push_back(RdKafka::TopicPartition::create(
        point.partition.topic, point.partition.partition, point.offset));
  }
  if (auto err = consumer_->commitSync(offsets.items); err != RdKafka::ERR_NO_ERROR) {
    return make_error(ErrorCode::kUnavailable, "commit: " + RdKafka::err2str(err));
  }
  tracker_.mark_committed(points);
  return {};
}

void Consumer::on_assign(std::vector<RdKafka::TopicPartition*>& partitions, bool incremental) {
  for (const auto& key : keys_of(partitions)) tracker_.assign(key);
  if (incremental) {
    if (RdKafka::Error* error = consumer_->incremental_assign(partitions)) {
      get_logger("bus")->error("incremental_assign: {}", error->str());
      delete error;
    }
  } else {
    consumer_->assign(partitions);
  }
  // Backpressure survives rebalances: new partitions start paused too.
  if (paused_) consumer_->pause(partitions);
  get_logger("bus")->info("group={} assigned {} partitions", options_.group_id, partitions.size());
}

void Consumer::on_revoke(std::vector<RdKafka::TopicPartition*>& partitions, bool incremental) {
  // Commit finished work before another member takes these partitions over;
  // what is still in flight will be replayed there (at-least-once).
  const auto keys = keys_of(partitions);
  if (auto ok = commit_points(tracker_.pending_commits(keys)); !ok) {
    get_logger("bus")->warn("group={} commit on revoke failed: {}", options_.group_id,
                            ok.error().message);
  }
  for (const auto& key : keys) tracker_.revoke(key);
  if (incremental) {
    if (RdKafka::Error* error = consumer_->incremental_unassign(partitions)) {
      get_logger("bus")->error("incremental_unassign: {}", error->str());
      delete error;
    }
  } else {
    consumer_->unassign();
  }
  get_logger("bus")->info("group={} revoked {} partitions", options_.group_id, partitions.size());
}

void Consumer::set_paused(bool paused) {
  if (paused_ == paused) return;
  paused_ = paused;
  std::vector<RdKafka::TopicPartition*> assignment;
  consumer_->assignment(assignment);
  if (paused) {
    consumer_->pause(assignment);
  } else {
    consumer_->resume(assignment);
  }
  RdKafka::TopicPartition::destroy(assignment);
}

void Consumer::pause() {
  set_paused(true);
}
void Consumer::resume() {
  set_paused(false);
}

void Consumer::close() {
  if (closed_ || !consumer_) return;
  closed_ = true;
  if (auto ok = commit(); !ok) {
    get_logger("bus")->warn("group={} final commit failed: {}", options_.group_id,
                            ok.error().message);
  }
  // close() leaves the group, running the revoke callback (which commits again).
  consumer_->close();
}

}  // namespace tmon::bus
