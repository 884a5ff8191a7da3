#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "bus/metrics.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace tmon::bus {

// Where a delivered message landed.
struct DeliveredOffset {
  int32_t partition = -1;
  int64_t offset = -1;
};

// An idempotent Kafka producer (acks=all by default) whose sends are done only
// when the broker has acknowledged them: callers learn the outcome of every
// message through its callback, and only then treat the work as done.
//
// Thread-safe. Callbacks run on the producer's own delivery thread; keep them
// short and never call flush() from one.
class Producer {
 public:
  using DeliveryCallback = std::function<void(Result<DeliveredOffset>)>;

  // With `metrics` (which must outlive the producer and its callbacks),
  // messages not queued or not delivered count in kafka_produce_errors_total.
  static Result<std::unique_ptr<Producer>> create(const config::KafkaConfig& kafka,
                                                  const std::string& client_id,
                                                  BusMetrics* metrics = nullptr);
  // Flushes what is queued (bounded by the delivery timeout), then stops.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one message keyed by `key` (the camera id keeps a camera's stream in
  // one partition). When librdkafka's local queue is full this waits for room
  // rather than drop; an error return means the callback will not be called.
  Status send(std::string_view topic, std::string_view key, std::string_view value,
              DeliveryCallback on_delivery);

  // send() and wait for the acknowledgement.
  Result<DeliveredOffset> send_and_wait(std::string_view topic, std::string_view key,
                                        std::string_view value);

  // Waits until everything queued is delivered or failed.
  Status flush(Millis timeout);

  // The underlying handle, for metadata queries.
  RdKafka::Producer& handle() { return *producer_; }

 private:
  class DeliveryReporter : public RdKafka::DeliveryReportCb {
   public:
    void dr_cb(RdKafka::Message& message) override;
  };

  Producer(std::unique_ptr<RdKafka::Producer> producer, Millis delivery_timeout,
           BusMetrics* metrics);
  void poll_loop();

  // Stateless and static, so it outlives every handle librdkafka may call it from.
  static DeliveryReporter reporter_;
  std::unique_ptr<RdKafka::Producer> producer_;
  Millis delivery_timeout_;
  BusMetrics* metrics_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace tmon::bus
