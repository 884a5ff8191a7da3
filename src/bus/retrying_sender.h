#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bus/metrics.h"
#include "bus/producer.h"
#include "common/clock.h"

namespace tmon::bus {

// Delivers a stage's outputs (tasks, results, dead letters) until the broker
// has them: a send that cannot be queued or is not delivered (a broker
// outage longer than delivery.timeout.ms) is sent again after a backoff on
// the Clock, growing from `first_backoff` to `max_backoff`, for as long as
// the process runs. The message is never dropped and its source offset
// never completed without it: only on_delivered completes it.
//
// stop() abandons what still waits for a retry (its source offsets stay
// uncommitted, so the next owner replays them); a delivery that succeeds
// after stop() still runs on_delivered.
//
// Thread-safe. on_delivered runs on the producer's delivery thread.
class RetryingSender {
 public:
  using OnDelivered = std::function<void(DeliveredOffset)>;
  struct Options {
    Millis first_backoff{200};
    Millis max_backoff{10'000};
    // Sends waiting for a retry beyond which saturated() is true, so the
    // stages pause intake instead of piling up outputs during an outage.
    size_t max_pending = 1000;
  };

  // `metrics` (may be null) counts retries in kafka_delivery_retries_total
  // and waiting sends in kafka_deliveries_pending_retry.
  RetryingSender(Producer& producer, Clock& clock, BusMetrics* metrics, Options options);
  RetryingSender(Producer& producer, Clock& clock, BusMetrics* metrics = nullptr)
      : RetryingSender(producer, clock, metrics, Options{}) {}
  ~RetryingSender();  // stop()s
  RetryingSender(const RetryingSender&) = delete;
  RetryingSender& operator=(const RetryingSender&) = delete;

  void send(std::string topic, std::string key, std::string value, OnDelivered on_delivered);

  // Sends that failed and wait for their next attempt.
  size_t pending() const;
  bool saturated() const { return pending() >= options_.max_pending; }
  // Retries so far, and the last failure's text ("" before any).
  int64_t retries() const;
  std::string last_error() const;

  Status flush(Millis timeout) { return producer_.flush(timeout); }
  void stop();  // idempotent

 private:
  struct Outgoing {
    std::string topic;
    std::string key;
    std::string value;
    OnDelivered on_delivered;
    Millis backoff{0};  // the wait before the last retry; 0 before any
  };
  using OutgoingPtr = std::shared_ptr<Outgoing>;

  void attempt(OutgoingPtr outgoing);
  void failed(OutgoingPtr outgoing, const std::string& error);
  void run();
  void update_pending_gauge();

  Producer& producer_;
  Clock& clock_;
  BusMetrics* metrics_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<SteadyTime, OutgoingPtr> waiting_;  // by when to try again
  int64_t retries_ = 0;
  std::string last_error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tmon::bus
