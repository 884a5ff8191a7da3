#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bus/metrics.h"
#include "bus/offset_tracker.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace tmon::bus {

struct ConsumedMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  int64_t timestamp_ms = 0;  // broker/producer timestamp
  // Epoch ms when poll() handed it out (0 when not consumed through
  // Consumer::poll): with timestamp_ms, the Kafka hop's time.
  int64_t received_ms = 0;
  PartitionKey partition_key() const { return {topic, partition}; }
  // A copy of a message librdkafka handed out without error.
  static ConsumedMessage from(const RdKafka::Message& message);
};

struct ConsumerOptions {
  std::string group_id;
  std::vector<std::string> topics;
  std::string client_id;
  // Where to count consumed messages and publish kafka_consumer_lag; null:
  // no metrics. Must outlive the consumer.
  BusMetrics* metrics = nullptr;
  // How often kafka_consumer_lag is refreshed (on a thread of its own: see
  // refresh_lag()).
  Millis lag_interval{3'000};
  // What the commit and lag intervals are measured on. Must outlive the
  // consumer.
  Clock* clock = &SystemClock::instance();
};

// A Kafka group member that commits only finished work (DESIGN.md §3).
//
// poll() hands out messages and records each offset as in flight; complete()
// marks it done, from any thread, once its effect is durable (result delivered,
// row stored). Commits carry the contiguous completed prefix per partition,
// periodically from poll() (asynchronously), before partitions are revoked in
// a rebalance and on close() (synchronously). A crash therefore replays in-flight messages instead
// of losing them. pause()/resume() stop and restart fetching on every assigned partition, including
// ones assigned later, for backpressure.
//
// poll(), pause(), resume(), commit() and close() belong to one thread (the
// poll thread); complete() and in_flight() may be called from any thread.
class Consumer {
 public:
  static Result<std::unique_ptr<Consumer>> create(const config::KafkaConfig& kafka,
                                                  ConsumerOptions options);
  ~Consumer();  // close()s if not yet closed
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // The next message, or nullopt when none arrived within the timeout.
  std::optional<ConsumedMessage> poll(Millis timeout);
  void complete(const ConsumedMessage& message);
  void complete(const PartitionKey& partition, int64_t offset);

  // Commits the completed prefix now (synchronously).
  Status commit();
  void pause();
  void resume();
  bool paused() const { return paused_; }
  // Sets kafka_consumer_lag for every assigned partition now: its end (the
  // high watermark) less what the group has finished (its committed offset).
  // In steady state it asks the broker nothing: the end is the watermark
  // librdkafka keeps from each fetch response, and what is finished is this
  // consumer's own confirmed commits. Broker round trips only where those do
  // not exist: the group's committed offsets once after an assignment (until
  // this consumer commits there, with the reset start's watermark when the
  // group has none), and watermark queries while paused
  // (fetching stops, exactly when the lag grows). Every lag_interval poll()
  // has the consumer's lag thread call it, never the poll thread itself.
  // Why no round trips: on the embedded broker a query waits behind the
  // pending fetch, and a refresh's 16 watermark queries held the messages
  // of every Kafka hop by up to 50 ms (issue 15: each hop's max 46-51 ms,
  // 11-16 ms without). Any thread.
  void refresh_lag();
  // Lag refreshes completed so far (for tests).
  int64_t lag_refreshes() const { return lag_refreshes_; }
  size_t in_flight() const { return tracker_.in_flight(); }
  // Commits what is done and leaves the group. Idempotent.
  void close();

  RdKafka::KafkaConsumer& handle() { return *consumer_; }

 private:
  class Rebalancer : public RdKafka::RebalanceCb {
   public:
    explicit Rebalancer(Consumer& owner) : owner_(owner) {}
    void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                      std::vector<RdKafka::TopicPartition*>& partitions) override;

   private:
    Consumer& owner_;
  };

  // Hears how asynchronous commits ended (on the poll thread, inside
  // consume()): only a commit the broker confirmed counts as done.
  class CommitReporter : public RdKafka::OffsetCommitCb {
   public:
    explicit CommitReporter(Consumer& owner) : owner_(owner) {}
    void offset_commit_cb(RdKafka::ErrorCode err,
                          std::vector<RdKafka::TopicPartition*>& offsets) override;

   private:
    Consumer& owner_;
  };

  explicit Consumer(ConsumerOptions options, Millis commit_interval);
  // The periodic commit: sent without waiting for the broker's answer, so
  // the poll thread goes on handing out messages (a synchronous commit on
  // the embedded broker can wait out a pending fetch). Points count as
  // committed when CommitReporter hears they were; until then a later
  // commit sends them again, which is harmless.
  void commit_async();
  void on_assign(std::vector<RdKafka::TopicPartition*>& partitions, bool incremental);
  void on_revoke(std::vector<RdKafka::TopicPartition*>& partitions, bool incremental);
  Status commit_points(const std::vector<CommitPoint>& points);
  void set_paused(bool paused);
  void forget_lag(const std::vector<PartitionKey>& partitions);
  void run_lag_thread();
  void stop_lag_thread();
  prometheus::Counter& consumed_counter(const std::string& topic);

  ConsumerOptions options_;
  Millis commit_interval_;
  SteadyTime last_commit_{};
  OffsetTracker tracker_;
  Rebalancer rebalancer_{*this};           // must outlive consumer_
  CommitReporter commit_reporter_{*this};  // must outlive consumer_
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::atomic<bool> paused_{false};
  bool closed_ = false;
  bool reset_to_earliest_ = true;  // auto.offset.reset, for partitions never consumed
  SteadyTime next_lag_refresh_{};  // poll thread only
  std::map<std::string, prometheus::Counter*> consumed_;  // poll thread only
  // The lag thread: woken by poll() when a refresh is due, and by close().
  std::mutex lag_mu_;  // guards lag_series_, the flags below and closed_ for the lag thread
  std::condition_variable lag_wakeup_;
  bool lag_due_ = false;
  std::atomic<bool> lag_stop_{false};  // also read between a refresh's broker queries
  std::map<PartitionKey, prometheus::Gauge*> lag_series_;
  // Where a partition's lag counts from until this consumer commits there:
  // the group's committed offset when it was assigned, or the reset start.
  // Under lag_mu_; forget_lag drops revoked ones.
  std::map<PartitionKey, int64_t> lag_start_;
  // Bumped by every assignment and revocation (under lag_mu_): a refresh
  // keeps what it asked the broker only if none happened meanwhile.
  uint64_t assignment_generation_ = 0;
  std::atomic<int64_t> lag_refreshes_{0};
  std::thread lag_thread_;  // runs only with metrics
};

}  // namespace tmon::bus
