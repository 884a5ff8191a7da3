#include "bus/retrying_sender.h"

#include "common/logging.h"

namespace tmon::bus {

RetryingSender::RetryingSender(Producer& producer, Clock& clock, BusMetrics* metrics,
                               Options options)
    : producer_(producer), clock_(clock), metrics_(metrics), options_(options) {
  if (metrics_) metrics_->deliveries_pending_retry.Add({}).Set(0);
  thread_ = std::thread([this] { run(); });
}

RetryingSender::~RetryingSender() {
  stop();
}

void RetryingSender::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    if (!waiting_.empty()) {
      get_logger("bus")->warn(
          "{} outputs still undelivered at stop: their inputs stay uncommitted and are replayed",
          waiting_.size());
    }
    waiting_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  update_pending_gauge();
}

void RetryingSender::send(std::string topic, std::string key, std::string value,
                          OnDelivered on_delivered) {
  attempt(std::make_shared<Outgoing>(
      Outgoing{std::move(topic), std::move(key), std::move(value), std::move(on_delivered)}));
}

void RetryingSender::attempt(OutgoingPtr outgoing) {
  // The callback holds the message: if it fails it is sent again as is.
  auto queued = producer_.send(outgoing->topic, outgoing->key, outgoing->value,
                               [this, outgoing](Result<DeliveredOffset> outcome) {
                                 if (outcome) {
                                   outgoing->on_delivered(*outcome);
                                 } else {
                                   failed(outgoing, outcome.error().message);
                                 }
                               });
  if (!queued) failed(std::move(outgoing), queued.error().message);
}

void RetryingSender::failed(OutgoingPtr outgoing, const std::string& error) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;  // abandoned: its input is replayed after a restart
    outgoing->backoff = outgoing->backoff == Millis(0)
                            ? options_.first_backoff
                            : std::min(outgoing->backoff * 2, options_.max_backoff);
    ++retries_;
    last_error_ = error;
    get_logger("bus")->warn("{} key={}: {}; sending again in {} ms", outgoing->topic, outgoing->key,
                            error, outgoing->backoff.count());
    if (metrics_) metrics_->delivery_retries.Add({{"topic", outgoing->topic}}).Increment();
    waiting_.emplace(clock_.now() + outgoing->backoff, std::move(outgoing));
  }
  cv_.notify_all();
  update_pending_gauge();
}

void RetryingSender::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (waiting_.empty()) {
      cv_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      continue;
    }
    const auto first = waiting_.begin();
    if (clock_.now() < first->first) {
      clock_.wait_until(lock, cv_, first->first);
      continue;
    }
    OutgoingPtr due = std::move(first->second);
    waiting_.erase(first);
    // Outside the lock: a full producer queue may block send() a while, and
    // a failure re-enters failed().
    lock.unlock();
    update_pending_gauge();
    attempt(std::move(due));
    lock.lock();
  }
}

size_t RetryingSender::pending() const {
  std::lock_guard lock(mu_);
  return waiting_.size();
}

int64_t RetryingSender::retries() const {
  std::lock_guard lock(mu_);
  return retries_;
}

std::string RetryingSender::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void RetryingSender::update_pending_gauge() {
  if (metrics_) {
    metrics_->deliveries_pending_retry.Add({}).Set(static_cast<double>(pending()));
  }
}

}  // namespace tmon::bus
