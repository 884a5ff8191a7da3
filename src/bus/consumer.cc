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

// Bounds each broker query of a lag refresh (on the consumer's lag thread).
constexpr int kLagQueryTimeoutMs = 1000;

// Owns the TopicPartition objects librdkafka's vector API wants.
struct PartitionList {
  std::vector<RdKafka::TopicPartition*> items;
  PartitionList() = default;
  PartitionList(const PartitionList&) = delete;
  ~PartitionList() { RdKafka::TopicPartition::destroy(items); }
};

}  // namespace

ConsumedMessage ConsumedMessage::from(const RdKafka::Message& message) {
  ConsumedMessage out;
  out.topic = message.topic_name();
  out.partition = message.partition();
  out.offset = message.offset();
  if (const std::string* key = message.key()) out.key = *key;
  out.value.assign(static_cast<const char*>(message.payload()), message.len());
  out.timestamp_ms = message.timestamp().timestamp;
  return out;
}

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
  const std::string& reset = kafka.consumer.auto_offset_reset;
  self->reset_to_earliest_ = reset == "earliest" || reset == "smallest" || reset == "beginning";
  std::string error;
  if ((*conf)->set("rebalance_cb", &self->rebalancer_, error) != RdKafka::Conf::CONF_OK) {
    return make_error(ErrorCode::kInternal, "rebalance_cb: " + error);
  }
  if ((*conf)->set("offset_commit_cb", &self->commit_reporter_, error) != RdKafka::Conf::CONF_OK) {
    return make_error(ErrorCode::kInternal, "offset_commit_cb: " + error);
  }
  self->consumer_.reset(RdKafka::KafkaConsumer::create(conf->get(), error));
  if (!self->consumer_) {
    return make_error(ErrorCode::kInvalidArgument, "kafka consumer: " + error);
  }
  if (auto err = self->consumer_->subscribe(self->options_.topics); err != RdKafka::ERR_NO_ERROR) {
    return make_error(ErrorCode::kInvalidArgument, "subscribe: " + RdKafka::err2str(err));
  }
  // Zero series from the start, so the first message shows in rate().
  if (self->options_.metrics) {
    for (const auto& topic : self->options_.topics) self->consumed_counter(topic);
    self->lag_thread_ = std::thread([raw = self.get()] { raw->run_lag_thread(); });
  }
  return self;
}

Consumer::Consumer(ConsumerOptions options, Millis commit_interval)
    : options_(std::move(options)), commit_interval_(commit_interval) {}

Consumer::~Consumer() {
  close();
}

std::optional<ConsumedMessage> Consumer::poll(Millis timeout) {
  Clock& clock = *options_.clock;
  if (clock.now() - last_commit_ >= commit_interval_) commit_async();
  if (options_.metrics && clock.now() >= next_lag_refresh_) {
    next_lag_refresh_ = clock.now() + options_.lag_interval;
    {
      std::lock_guard lock(lag_mu_);
      lag_due_ = true;
    }
    lag_wakeup_.notify_one();
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
  ConsumedMessage out = ConsumedMessage::from(*message);
  out.received_ms = clock.epoch_ms();
  tracker_.received(out.partition_key(), out.offset);
  if (options_.metrics) consumed_counter(out.topic).Increment();
  return out;
}

prometheus::Counter& Consumer::consumed_counter(const std::string& topic) {
  auto it = consumed_.find(topic);
  if (it == consumed_.end()) {
    it = consumed_
             .emplace(topic, &options_.metrics->messages_consumed.Add(
                                 {{"topic", topic}, {"group", options_.group_id}}))
             .first;
  }
  return *it->second;
}

void Consumer::run_lag_thread() {
  std::unique_lock lock(lag_mu_);
  while (true) {
    // Bounded wait: a missed wake-up costs one interval, never a hang.
    lag_wakeup_.wait_for(lock, Millis(1'000), [this] { return lag_due_ || lag_stop_; });
    if (lag_stop_) return;
    if (!lag_due_) continue;
    lag_due_ = false;
    lock.unlock();
    refresh_lag();
    lock.lock();
  }
}

void Consumer::stop_lag_thread() {
  {
    std::lock_guard lock(lag_mu_);
    lag_stop_ = true;
  }
  lag_wakeup_.notify_one();
  if (lag_thread_.joinable()) lag_thread_.join();
}

void Consumer::refresh_lag() {
  if (!options_.metrics) return;
  {
    std::lock_guard lock(lag_mu_);
    if (closed_) return;
  }
  // A broker round trip for a partition's watermarks; false (logged) when it fails.
  const auto ask_watermarks = [this](const RdKafka::TopicPartition& tp, int64_t& low,
                                     int64_t& high) {
    const auto err = consumer_->query_watermark_offsets(tp.topic(), tp.partition(), &low, &high,
                                                        kLagQueryTimeoutMs);
    if (err == RdKafka::ERR_NO_ERROR) return true;
    get_logger("bus")->debug("group={} lag: watermarks of {}[{}]: {}", options_.group_id,
                             tp.topic(), tp.partition(), RdKafka::err2str(err));
    return false;
  };
  PartitionList partitions;
  consumer_->assignment(partitions.items);
  if (partitions.items.empty()) return;
  // Where the lag counts from: this consumer's confirmed commits; before its
  // first one on a partition, the group's committed offset, asked once per
  // assignment, or where auto.offset.reset starts when the group has none.
  std::vector<int64_t> done(partitions.items.size(), -1);
  PartitionList unknown;
  std::vector<size_t> unknown_index;
  uint64_t generation = 0;
  {
    std::lock_guard lock(lag_mu_);
    generation = assignment_generation_;
    for (size_t i = 0; i < partitions.items.size(); ++i) {
      const auto* tp = partitions.items[i];
      const PartitionKey key{tp->topic(), tp->partition()};
      done[i] = tracker_.committed(key);
      if (done[i] >= 0) continue;
      if (const auto it = lag_start_.find(key); it != lag_start_.end()) {
        done[i] = it->second;
        continue;
      }
      unknown.items.push_back(RdKafka::TopicPartition::create(tp->topic(), tp->partition()));
      unknown_index.push_back(i);
    }
  }
  if (!unknown.items.empty()) {
    if (auto err = consumer_->committed(unknown.items, kLagQueryTimeoutMs);
        err != RdKafka::ERR_NO_ERROR) {
      // Without them there is no lag to report, only a guess: keep the
      // previous values.
      get_logger("bus")->debug("group={} lag: committed offsets: {}", options_.group_id,
                               RdKafka::err2str(err));
      return;
    }
    std::vector<std::pair<PartitionKey, int64_t>> starts;
    for (size_t j = 0; j < unknown.items.size(); ++j) {
      const auto* tp = unknown.items[j];
      if (tp->err() != RdKafka::ERR_NO_ERROR) continue;  // asked again next time
      int64_t start = tp->offset();
      if (start < 0) {
        // Nothing committed by the group: where consumption starts.
        int64_t low = 0;
        int64_t high = 0;
        if (!ask_watermarks(*tp, low, high)) continue;
        start = reset_to_earliest_ ? low : high;
      }
      starts.emplace_back(PartitionKey{tp->topic(), tp->partition()}, start);
      done[unknown_index[j]] = start;
    }
    std::lock_guard lock(lag_mu_);
    // Revoked (and perhaps assigned again) meanwhile: what was asked may be
    // out of date, so it is not kept; the next refresh asks again.
    if (generation == assignment_generation_) {
      for (const auto& [key, start] : starts) lag_start_[key] = start;
    }
  }
  // Where fetching stands, for a partition whose start could not be had.
  consumer_->position(partitions.items);
  const bool paused = paused_;
  std::vector<std::pair<PartitionKey, int64_t>> lags;
  for (size_t i = 0; i < partitions.items.size(); ++i) {
    const auto* tp = partitions.items[i];
    if (lag_stop_) return;  // closing: do not hold close() up by a query per partition
    int64_t low = -1;
    int64_t high = -1;
    if (!paused) {
      // The watermark of the partition's last fetch response.
      consumer_->get_watermark_offsets(tp->topic(), tp->partition(), &low, &high);
    }
    // Paused (the kept end stands still while the partition grows), or not
    // fetched yet: ask the broker. If it cannot say, it is struggling: do
    // not stall the refresh further.
    if (high < 0 && !ask_watermarks(*tp, low, high)) return;
    const int64_t finished = done[i] >= 0 ? done[i] : tp->offset();
    if (finished < 0) continue;  // unknown for now: no value rather than a wrong one
    lags.emplace_back(PartitionKey{tp->topic(), tp->partition()},
                      std::max<int64_t>(0, high - finished));
  }
  // The poll thread may have been revoked these partitions meanwhile: only
  // still-assigned ones get a series back (forget_lag runs under the lock).
  std::lock_guard lock(lag_mu_);
  if (closed_) return;
  for (const auto& [key, lag] : lags) {
    if (!tracker_.assigned(key)) continue;
    auto it = lag_series_.find(key);
    if (it == lag_series_.end()) {
      it = lag_series_
               .emplace(key, &options_.metrics->consumer_lag.Add(
                                 {{"topic", key.topic},
                                  {"partition", std::to_string(key.partition)},
                                  {"group", options_.group_id}}))
               .first;
    }
    it->second->Set(static_cast<double>(lag));
  }
  ++lag_refreshes_;
}

void Consumer::forget_lag(const std::vector<PartitionKey>& partitions) {
  std::lock_guard lock(lag_mu_);
  ++assignment_generation_;
  for (const auto& key : partitions) {
    lag_start_.erase(key);
    const auto it = lag_series_.find(key);
    if (it == lag_series_.end()) continue;
    options_.metrics->consumer_lag.Remove(it->second);
    lag_series_.erase(it);
  }
}

void Consumer::complete(const ConsumedMessage& message) {
  tracker_.completed(message.partition_key(), message.offset);
}

void Consumer::complete(const PartitionKey& partition, int64_t offset) {
  tracker_.completed(partition, offset);
}

Status Consumer::commit() {
  last_commit_ = options_.clock->now();
  return commit_points(tracker_.pending_commits());
}

void Consumer::commit_async() {
  last_commit_ = options_.clock->now();
  const auto points = tracker_.pending_commits();
  if (points.empty()) return;
  PartitionList offsets;
  for (const auto& point : points) {
    offsets.items.push_back(RdKafka::TopicPartition::create(
        point.partition.topic, point.partition.partition, point.offset));
  }
  if (auto err = consumer_->commitAsync(offsets.items); err != RdKafka::ERR_NO_ERROR) {
    get_logger("bus")->warn("group={} commit failed, will retry: {}", options_.group_id,
                            RdKafka::err2str(err));
  }
}

void Consumer::CommitReporter::offset_commit_cb(RdKafka::ErrorCode err,
                                                std::vector<RdKafka::TopicPartition*>& offsets) {
  if (err == RdKafka::ERR__NO_OFFSET) return;  // nothing was to commit
  std::vector<CommitPoint> done;
  for (const auto* tp : offsets) {
    if (tp->err() != RdKafka::ERR_NO_ERROR || tp->offset() < 0) continue;
    done.push_back({{tp->topic(), tp->partition()}, tp->offset()});
  }
  // Points already marked by a synchronous commit are marked again: harmless.
  owner_.tracker_.mark_committed(done);
  if (err != RdKafka::ERR_NO_ERROR) {
    get_logger("bus")->warn("group={} commit failed, will retry: {}", owner_.options_.group_id,
                            RdKafka::err2str(err));
  }
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
  {
    std::lock_guard lock(lag_mu_);
    ++assignment_generation_;  // a lag refresh under way keeps nothing it asked before this
  }
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
  next_lag_refresh_ = SteadyTime{};  // show the new partitions' lag at the next poll
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
  // Another member reports these now; a stale series here would double-count.
  forget_lag(keys);
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
  if (!consumer_) return;
  {
    std::lock_guard lock(lag_mu_);
    if (closed_) return;
    closed_ = true;
  }
  stop_lag_thread();
  if (auto ok = commit(); !ok) {
    get_logger("bus")->warn("group={} final commit failed: {}", options_.group_id,
                            ok.error().message);
  }
  // close() leaves the group, running the revoke callback (which commits again).
  consumer_->close();
  std::vector<PartitionKey> left;
  {
    std::lock_guard lock(lag_mu_);
    for (const auto& [key, gauge] : lag_series_) left.push_back(key);
  }
  forget_lag(left);
}

}  // namespace tmon::bus
