#include "fleet/registry_follower.h"

#include "bus/kafka_conf.h"
#include "bus/topic_tail.h"
#include "common/ids.h"
#include "common/logging.h"

namespace tmon::fleet {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("fleet");
}

// Owns librdkafka's TopicPartition objects.
struct Partitions {
  std::vector<RdKafka::TopicPartition*> items;
  Partitions() = default;
  Partitions(const Partitions&) = delete;
  ~Partitions() { RdKafka::TopicPartition::destroy(items); }
};

constexpr Millis kMetadataTimeout{10'000};

}  // namespace

RegistryFollower::RegistryFollower(size_t max_cameras, FleetMetrics* metrics)
    : metrics_(metrics), map_(max_cameras) {}

Result<std::unique_ptr<RegistryFollower>> RegistryFollower::start(const config::KafkaConfig& kafka,
                                                                  const std::string& client_id,
                                                                  FleetMetrics* metrics) {
  // A group id librdkafka requires, never joined: assign() bypasses groups.
  auto conf = bus::make_consumer_conf(kafka, client_id, "tmon-registry-" + random_hex_id(8));
  if (!conf) return tl::unexpected(conf.error());
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{"enable.auto.commit", "false"},
        {"enable.partition.eof", "false"}}) {
    if (auto ok = bus::set_property(**conf, name, value); !ok) return tl::unexpected(ok.error());
  }
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf->get(), error));
  if (!consumer) return make_error(ErrorCode::kInvalidArgument, "kafka consumer: " + error);
  const std::string& topic = kafka.fleet.registry_topic;
  auto count = bus::partition_count(*consumer, topic, kMetadataTimeout);
  if (!count) return tl::unexpected(count.error());
  std::unique_ptr<RegistryFollower> self(
      new RegistryFollower(static_cast<size_t>(kafka.fleet.max_cameras), metrics));
  Partitions start;
  for (int32_t p = 0; p < *count; ++p) {
    int64_t low = 0;
    int64_t high = 0;
    if (auto err = consumer->query_watermark_offsets(topic, p, &low, &high,
                                                     static_cast<int>(kMetadataTimeout.count()));
        err != RdKafka::ERR_NO_ERROR) {
      return make_error(ErrorCode::kUnavailable, "end of " + topic + "[" + std::to_string(p) +
                                                     "]: " + RdKafka::err2str(err));
    }
    if (high > low) self->end_at_start_[p] = high;
    start.items.push_back(
        RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  }
  if (auto err = consumer->assign(start.items); err != RdKafka::ERR_NO_ERROR) {
    return make_error(ErrorCode::kUnavailable, "assign: " + RdKafka::err2str(err));
  }
  self->consumer_ = std::move(consumer);
  self->thread_ = std::thread([raw = self.get()] { raw->run(); });
  return self;
}

RegistryFollower::~RegistryFollower() {
  stop();
}

void RegistryFollower::stop() {
  if (stop_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  if (consumer_) consumer_->close();
}

void RegistryFollower::run() {
  while (!stop_) {
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(100));
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      handle(*message);
    } else if (message->err() != RdKafka::ERR__TIMED_OUT &&
               message->err() != RdKafka::ERR__PARTITION_EOF) {
      logger()->warn("registry follower: {}", message->errstr());
    }
  }
}

void RegistryFollower::handle(RdKafka::Message& message) {
  const std::string key = message.key() ? *message.key() : std::string();
  std::optional<RegistryCamera> camera;
  bool valid = !key.empty();
  if (valid && message.payload() != nullptr) {
    auto decoded = decode_registry_camera(
        key, std::string_view(static_cast<const char*>(message.payload()), message.len()));
    if (decoded) {
      camera = std::move(*decoded);
    } else {
      valid = false;
      logger()->warn("registry offset {}:{}: {}", message.partition(), message.offset(),
                     decoded.error().message);
    }
  }
  RegistryChange change = RegistryChange::kNone;
  Listener listener;
  {
    std::lock_guard lock(mu_);
    if (valid) change = map_.apply(key, std::move(camera));
    next_offset_[message.partition()] = message.offset() + 1;
    listener = listener_;
  }
  progressed_.notify_all();
  if (!valid && metrics_) metrics_->registry_invalid.Increment();
  if (change == RegistryChange::kRefused) {
    if (metrics_) metrics_->registry_refused.Increment();
    logger()->warn("camera={} not followed: the registry holds fleet.max_cameras already", key);
  }
  if (listener && change != RegistryChange::kNone && change != RegistryChange::kRefused) {
    listener(key, change);
  }
}

bool RegistryFollower::wait_caught_up(Millis timeout) {
  std::unique_lock lock(mu_);
  return progressed_.wait_for(lock, timeout, [this] {
    for (const auto& [partition, end] : end_at_start_) {
      const auto it = next_offset_.find(partition);
      if (it == next_offset_.end() || it->second < end) return false;
    }
    return true;
  });
}

bool RegistryFollower::wait_for(int32_t partition, int64_t offset, Millis timeout) {
  std::unique_lock lock(mu_);
  return progressed_.wait_for(lock, timeout, [&] {
    const auto it = next_offset_.find(partition);
    return it != next_offset_.end() && it->second > offset;
  });
}

std::optional<RegistryCamera> RegistryFollower::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  const RegistryCamera* camera = map_.find(id);
  if (!camera) return std::nullopt;
  return *camera;
}

std::vector<RegistryCamera> RegistryFollower::cameras() const {
  std::lock_guard lock(mu_);
  return map_.cameras();
}

bool RegistryFollower::ever_seen(const std::string& id) const {
  std::lock_guard lock(mu_);
  return map_.ever_seen(id);
}

RegistryMap RegistryFollower::snapshot() const {
  std::lock_guard lock(mu_);
  return map_;
}

void RegistryFollower::set_listener(Listener listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

// ---- RegistryWriter --------------------------------------------------------

namespace {

using WriteOutcome = Result<RegistryWriter::Written>;

struct PendingWrite {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<WriteOutcome> outcome;
};

class WriteReporter final : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    std::unique_ptr<std::shared_ptr<PendingWrite>> pending(
        static_cast<std::shared_ptr<PendingWrite>*>(message.msg_opaque()));
    if (!pending) return;
    WriteOutcome outcome =
        message.err() == RdKafka::ERR_NO_ERROR
            ? WriteOutcome(RegistryWriter::Written{message.partition(), message.offset()})
            : WriteOutcome(make_error(ErrorCode::kUnavailable,
                                      "registry write not acknowledged: " + message.errstr()));
    {
      std::lock_guard lock((*pending)->mu);
      (*pending)->outcome = std::move(outcome);
    }
    (*pending)->cv.notify_all();
  }
};

WriteReporter write_reporter;  // stateless; outlives every producer

}  // namespace

Result<std::unique_ptr<RegistryWriter>> RegistryWriter::create(const config::KafkaConfig& kafka,
                                                               const std::string& client_id,
                                                               Millis timeout) {
  auto conf = bus::make_producer_conf(kafka, client_id);
  if (!conf) return tl::unexpected(conf.error());
  // A write the caller was told timed out must not land much later.
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{"linger.ms", "0"},
        {"delivery.timeout.ms", std::to_string(std::max<int64_t>(timeout.count(), 1000))}}) {
    if (auto ok = bus::set_property(**conf, name, value); !ok) return tl::unexpected(ok.error());
  }
  std::string error;
  if ((*conf)->set("dr_cb", &write_reporter, error) != RdKafka::Conf::CONF_OK) {
    return make_error(ErrorCode::kInternal, "dr_cb: " + error);
  }
  std::unique_ptr<RegistryWriter> self(new RegistryWriter());
  self->producer_.reset(RdKafka::Producer::create(conf->get(), error));
  if (!self->producer_) return make_error(ErrorCode::kInvalidArgument, "kafka producer: " + error);
  self->topic_ = kafka.fleet.registry_topic;
  self->timeout_ = timeout;
  self->poller_ = std::thread([raw = self.get()] {
    while (!raw->stop_) raw->producer_->poll(50);
  });
  return self;
}

RegistryWriter::~RegistryWriter() {
  if (producer_) producer_->flush(static_cast<int>(timeout_.count()));
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  if (producer_) {
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    producer_->poll(0);
  }
}

Result<RegistryWriter::Written> RegistryWriter::put(const RegistryCamera& camera) {
  const std::string value = encode(camera);
  return write(camera.id.text(), &value);
}

Result<RegistryWriter::Written> RegistryWriter::remove(const std::string& camera_id) {
  return write(camera_id, nullptr);
}

Result<RegistryWriter::Written> RegistryWriter::write(const std::string& key,
                                                      const std::string* value) {
  auto pending = std::make_shared<PendingWrite>();
  auto* opaque = new std::shared_ptr<PendingWrite>(pending);
  // A null payload is a tombstone.
  const RdKafka::ErrorCode err =
      producer_->produce(topic_, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                         value ? const_cast<char*>(value->data()) : nullptr,
                         value ? value->size() : 0, key.data(), key.size(), 0, opaque);
  if (err != RdKafka::ERR_NO_ERROR) {
    delete opaque;
    return make_error(ErrorCode::kUnavailable,
                      "registry write of " + key.substr(0, 64) + ": " + RdKafka::err2str(err));
  }
  std::unique_lock lock(pending->mu);
  if (!pending->cv.wait_for(lock, timeout_, [&] { return pending->outcome.has_value(); })) {
    return make_error(ErrorCode::kTimeout, "registry write of " + key.substr(0, 64) +
                                               " not acknowledged within " +
                                               std::to_string(timeout_.count()) + " ms");
  }
  return *pending->outcome;
}

}  // namespace tmon::fleet
