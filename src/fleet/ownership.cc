#include "fleet/ownership.h"

#include "bus/kafka_conf.h"
#include "common/logging.h"

namespace tmon::fleet {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("fleet");
}

// Bounds the high-watermark query made in the rebalance callback: a slow
// broker delays the assignment, it does not block it forever.
constexpr int kWatermarkTimeoutMs = 5'000;

std::string partition_list(const std::vector<RdKafka::TopicPartition*>& partitions) {
  std::string out;
  for (const auto* tp : partitions) {
    if (!out.empty()) out += ",";
    out += std::to_string(tp->partition());
  }
  return out.empty() ? "none" : out;
}

}  // namespace

void Ownership::Rebalancer::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                                         std::vector<RdKafka::TopicPartition*>& partitions) {
  const bool incremental = consumer->rebalance_protocol() == "COOPERATIVE";
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    owner_.on_assign(*consumer, partitions, incremental);
  } else {
    owner_.on_revoke(*consumer, partitions, incremental);
  }
}

Result<std::unique_ptr<Ownership>> Ownership::start(const config::KafkaConfig& kafka,
                                                    const std::string& instance_id,
                                                    Assignment& assignment, FleetMetrics* metrics) {
  auto conf = bus::make_consumer_conf(kafka, "tmon-detect-" + instance_id, kafka.fleet.group_id);
  if (!conf) return tl::unexpected(conf.error());
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{"partition.assignment.strategy", "cooperative-sticky"},
        // The registry is read whole on every assignment; nothing to commit.
        {"enable.auto.commit", "false"},
        {"auto.offset.reset", "earliest"},
        // The end of a partition starts its cameras when the log ends below
        // the watermark read at assignment.
        {"enable.partition.eof", "true"}}) {
    if (auto ok = bus::set_property(**conf, name, value); !ok) return tl::unexpected(ok.error());
  }
  std::unique_ptr<Ownership> self(new Ownership(kafka.fleet.registry_topic, assignment, metrics));
  std::string error;
  if ((*conf)->set("rebalance_cb", &self->rebalancer_, error) != RdKafka::Conf::CONF_OK) {
    return make_error(ErrorCode::kInternal, "rebalance_cb: " + error);
  }
  self->consumer_.reset(RdKafka::KafkaConsumer::create(conf->get(), error));
  if (!self->consumer_) return make_error(ErrorCode::kInvalidArgument, "kafka consumer: " + error);
  if (auto err = self->consumer_->subscribe({self->topic_}); err != RdKafka::ERR_NO_ERROR) {
    return make_error(ErrorCode::kUnavailable,
                      "subscribe to " + self->topic_ + ": " + RdKafka::err2str(err));
  }
  logger()->info("instance {} joins group {} over {} (cooperative-sticky)", instance_id,
                 kafka.fleet.group_id, self->topic_);
  self->thread_ = std::thread([raw = self.get()] { raw->run(); });
  return self;
}

Ownership::Ownership(std::string topic, Assignment& assignment, FleetMetrics* metrics)
    : topic_(std::move(topic)), assignment_(assignment), metrics_(metrics) {}

Ownership::~Ownership() {
  stop();
}

void Ownership::stop() {
  if (stop_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
}

std::string Ownership::protocol() const {
  return consumer_ ? consumer_->rebalance_protocol() : "NONE";
}

void Ownership::on_assign(RdKafka::KafkaConsumer& consumer,
                          std::vector<RdKafka::TopicPartition*>& partitions, bool incremental) {
  ++rebalances_;
  if (metrics_) metrics_->rebalances.Increment();
  for (auto* tp : partitions) {
    int64_t low = 0;
    int64_t high = 0;
    std::optional<int64_t> end;
    if (consumer.query_watermark_offsets(tp->topic(), tp->partition(), &low, &high,
                                         kWatermarkTimeoutMs) == RdKafka::ERR_NO_ERROR) {
      end = high;
    } else {
      logger()->warn("partition {}: end offset unknown; its cameras start record by record",
                     tp->partition());
    }
    assignment_.assign(tp->partition(), end);
    // Every assignment reads the partition from its start.
    tp->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
  }
  logger()->info("assigned registry partitions {} ({})", partition_list(partitions),
                 incremental ? "cooperative" : "eager");
  if (incremental) {
    if (RdKafka::Error* error = consumer.incremental_assign(partitions)) {
      logger()->error("incremental_assign: {}", error->str());
      delete error;
    }
  } else if (auto err = consumer.assign(partitions); err != RdKafka::ERR_NO_ERROR) {
    logger()->error("assign: {}", RdKafka::err2str(err));
  }
  update_gauges();
}

void Ownership::on_revoke(RdKafka::KafkaConsumer& consumer,
                          std::vector<RdKafka::TopicPartition*>& partitions, bool incremental) {
  ++rebalances_;
  if (metrics_) metrics_->rebalances.Increment();
  const bool lost = consumer.assignment_lost();
  logger()->info("{} registry partitions {}: stopping their cameras", lost ? "lost" : "revoked",
                 partition_list(partitions));
  for (const auto* tp : partitions) assignment_.revoke(tp->partition());
  if (incremental) {
    if (RdKafka::Error* error = consumer.incremental_unassign(partitions)) {
      logger()->error("incremental_unassign: {}", error->str());
      delete error;
    }
  } else {
    assignment_.revoke_all();
    consumer.unassign();
  }
  update_gauges();
}

void Ownership::update_gauges() {
  if (!metrics_) return;
  metrics_->cameras_owned.Set(static_cast<double>(assignment_.owned().size()));
  metrics_->partitions_owned.Set(static_cast<double>(assignment_.partitions().size()));
}

void Ownership::handle(RdKafka::Message& message) {
  const std::string key = message.key() ? *message.key() : std::string();
  if (key.empty()) {
    if (metrics_) metrics_->registry_invalid.Increment();
    return;
  }
  std::optional<RegistryCamera> camera;
  if (message.payload() != nullptr) {
    auto decoded = decode_registry_camera(
        key, std::string_view(static_cast<const char*>(message.payload()), message.len()));
    if (!decoded) {
      if (metrics_) metrics_->registry_invalid.Increment();
      logger()->warn("registry offset {}:{}: {}", message.partition(), message.offset(),
                     decoded.error().message);
      return;
    }
    camera = std::move(*decoded);
  }
  assignment_.apply(message.partition(), message.offset(), key, std::move(camera));
}

void Ownership::run() {
  int64_t last_failures = 0;
  while (!stop_) {
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(100));
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR:
        handle(*message);
        update_gauges();
        break;
      case RdKafka::ERR__PARTITION_EOF:
        assignment_.reached_end(message->partition());
        update_gauges();
        break;
      case RdKafka::ERR__TIMED_OUT:
        break;
      default:
        logger()->warn("registry: {}", message->errstr());
        break;
    }
    if (metrics_) {
      const int64_t failures = assignment_.start_failures();
      if (failures > last_failures) metrics_->start_failures.Increment(failures - last_failures);
      last_failures = failures;
    }
  }
  // Leaving the group revokes (and stops) what we own, on this thread.
  consumer_->close();
  assignment_.revoke_all();
  update_gauges();
}

}  // namespace tmon::fleet
