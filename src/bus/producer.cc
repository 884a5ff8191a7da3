#include "bus/producer.h"

#include <future>

#include "bus/kafka_conf.h"
#include "common/clock.h"
#include "common/logging.h"

namespace tmon::bus {

Producer::DeliveryReporter Producer::reporter_;

void Producer::DeliveryReporter::dr_cb(RdKafka::Message& message) {
  std::unique_ptr<DeliveryCallback> callback(static_cast<DeliveryCallback*>(message.msg_opaque()));
  if (!callback || !*callback) return;
  if (message.err() != RdKafka::ERR_NO_ERROR) {
    (*callback)(make_error(ErrorCode::kUnavailable,
                           "delivery to " + message.topic_name() + " failed: " + message.errstr()));
    return;
  }
  (*callback)(DeliveredOffset{message.partition(), message.offset()});
}

Result<std::unique_ptr<Producer>> Producer::create(const config::KafkaConfig& kafka,
                                                   const std::string& client_id,
                                                   BusMetrics* metrics) {
  auto conf = make_producer_conf(kafka, client_id);
  if (!conf) return tl::unexpected(conf.error());
  std::string error;
  if ((*conf)->set("dr_cb", &reporter_, error) != RdKafka::Conf::CONF_OK) {
    return make_error(ErrorCode::kInternal, "dr_cb: " + error);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf->get(), error));
  if (!producer) return make_error(ErrorCode::kInvalidArgument, "kafka producer: " + error);
  return std::unique_ptr<Producer>(
      new Producer(std::move(producer), Millis(kafka.producer.delivery_timeout_ms), metrics));
}

Producer::Producer(std::unique_ptr<RdKafka::Producer> producer, Millis delivery_timeout,
                   BusMetrics* metrics)
    : producer_(std::move(producer)), delivery_timeout_(delivery_timeout), metrics_(metrics) {
  poller_ = std::thread([this] { poll_loop(); });
}

Producer::~Producer() {
  if (auto ok = flush(delivery_timeout_); !ok) {
    get_logger("bus")->error("producer closing with undelivered messages: {}", ok.error().message);
    // Fail what is left so no caller waits for a callback that never comes.
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    producer_->poll(0);
  }
  stop_ = true;
  poller_.join();
}

void Producer::poll_loop() {
  while (!stop_) producer_->poll(50);
}

Status Producer::send(std::string_view topic, std::string_view key, std::string_view value,
                      DeliveryCallback on_delivery) {
  if (metrics_) {
    // Counted on the delivery thread; the family outlives every callback.
    on_delivery = [inner = std::move(on_delivery), errors = &metrics_->produce_errors,
                   topic = std::string(topic)](Result<DeliveredOffset> outcome) {
      if (!outcome) errors->Add({{"topic", topic}}).Increment();
      if (inner) inner(std::move(outcome));
    };
  }
  auto callback = std::make_unique<DeliveryCallback>(std::move(on_delivery));
  const auto give_up_at = SystemClock::instance().now() + delivery_timeout_;
  while (true) {
    const RdKafka::ErrorCode err = producer_->produce(
        std::string(topic), RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
        const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, callback.get());
    if (err == RdKafka::ERR_NO_ERROR) {
      callback.release();  // owned by librdkafka until dr_cb
      return {};
    }
    // A full local queue is backpressure, not failure: wait for deliveries.
    if (err == RdKafka::ERR__QUEUE_FULL && SystemClock::instance().now() < give_up_at) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (metrics_) metrics_->produce_errors.Add({{"topic", std::string(topic)}}).Increment();
    return make_error(ErrorCode::kUnavailable,
                      "produce to " + std::string(topic) + ": " + RdKafka::err2str(err));
  }
}

Result<DeliveredOffset> Producer::send_and_wait(std::string_view topic, std::string_view key,
                                                std::string_view value) {
  auto promise = std::make_shared<std::promise<Result<DeliveredOffset>>>();
  auto future = promise->get_future();
  if (auto ok = send(
          topic, key, value,
          [promise](Result<DeliveredOffset> outcome) { promise->set_value(std::move(outcome)); });
      !ok) {
    return tl::unexpected(ok.error());
  }
  return future.get();
}

Status Producer::flush(Millis timeout) {
  const RdKafka::ErrorCode err = producer_->flush(static_cast<int>(timeout.count()));
  if (err != RdKafka::ERR_NO_ERROR) {
    return make_error(ErrorCode::kTimeout, std::to_string(producer_->outq_len()) +
                                               " messages not delivered: " + RdKafka::err2str(err));
  }
  return {};
}

}  // namespace tmon::bus
