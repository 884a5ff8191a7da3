// kafka_consumer_lag and kafka_messages_consumed_total against the embedded
// broker (librdkafka's mock cluster answers watermark and committed-offset
// queries like a real one).
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <map>

#include "bus/consumer.h"
#include "bus/embedded_broker.h"
#include "bus/metrics.h"
#include "bus/producer.h"
#include "bus/tests/broker_fixture.h"
#include "common/clock.h"
#include "eventually.h"

namespace tmon::bus {
namespace {

constexpr const char* kTopic = "assessment-tasks";

// partition -> lag of one group's series on kTopic.
std::map<int, double> lag_of(prometheus::Registry& registry, const std::string& group) {
  std::map<int, double> lag;
  for (const auto& family : registry.Collect()) {
    if (family.name != "kafka_consumer_lag") continue;
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& pair : metric.label) labels[pair.name] = pair.value;
      if (labels["group"] != group || labels["topic"] != kTopic) continue;
      lag[std::stoi(labels["partition"])] = metric.gauge.value;
    }
  }
  return lag;
}

class ConsumerLagTest : public BrokerTest {
 protected:
  void SetUp() override {
    kafka_.topics.assessment_tasks.partitions = 2;
    start_broker();
    if (HasFatalFailure()) return;
    auto producer = Producer::create(kafka_, "test-producer", &metrics_);
    ASSERT_TRUE(producer) << producer.error().message;
    producer_ = std::move(*producer);
  }

  // Sends `count` messages with one key; returns their partition.
  int produce(const std::string& key, int count) {
    int partition = -1;
    for (int i = 0; i < count; ++i) {
      auto delivered = producer_->send_and_wait(kTopic, key, "m" + std::to_string(i));
      EXPECT_TRUE(delivered) << delivered.error().message;
      if (delivered) partition = delivered->partition;
    }
    return partition;
  }

  std::unique_ptr<Consumer> make_consumer(const std::string& group, const std::string& client) {
    ConsumerOptions options{group, {kTopic}, client, &metrics_, Millis(3'600'000)};
    auto consumer = Consumer::create(kafka_, options);
    EXPECT_TRUE(consumer) << consumer.error().message;
    return consumer ? std::move(*consumer) : nullptr;
  }

  // Polls until the consumer has `partitions` partitions assigned (or 20 s).
  static std::vector<ConsumedMessage> poll_until_assigned(Consumer& consumer, size_t partitions) {
    std::vector<ConsumedMessage> got;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < give_up) {
      if (auto message = consumer.poll(Millis(50))) got.push_back(std::move(*message));
      std::vector<RdKafka::TopicPartition*> assignment;
      consumer.handle().assignment(assignment);
      const size_t assigned = assignment.size();
      RdKafka::TopicPartition::destroy(assignment);
      if (assigned == partitions) break;
    }
    return got;
  }

  prometheus::Registry registry_;
  BusMetrics metrics_{registry_};
  std::unique_ptr<Producer> producer_;
};

TEST_F(ConsumerLagTest, LagIsWatermarkMinusCommittedPerPartitionAndGroup) {
  const int busy = produce("cam-1", 6);
  ASSERT_GE(busy, 0);
  const int other = 1 - busy;

  auto consumer = make_consumer("g-lag", "c1");
  std::vector<ConsumedMessage> got = poll_until_assigned(*consumer, 2);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (got.size() < 6 && std::chrono::steady_clock::now() < give_up) {
    if (auto message = consumer->poll(Millis(50))) got.push_back(std::move(*message));
  }
  ASSERT_EQ(got.size(), 6u);
  // Two finished and committed; four still in flight.
  consumer->complete(got[0]);
  consumer->complete(got[1]);
  ASSERT_TRUE(consumer->commit());
  consumer->refresh_lag();

  const auto lag = lag_of(registry_, "g-lag");
  ASSERT_EQ(lag.size(), 2u);
  EXPECT_EQ(lag.at(busy), 4);
  EXPECT_EQ(lag.at(other), 0);
  EXPECT_EQ(metrics_.messages_consumed.Add({{"topic", kTopic}, {"group", "g-lag"}}).Value(), 6);

  // More traffic raises the lag once the consumer's next fetch has seen it
  // (the end is the watermark of the last fetch response: no broker query).
  produce("cam-1", 3);
  EXPECT_TRUE(testing::eventually([&] {
    consumer->poll(Millis(10));
    consumer->refresh_lag();
    return lag_of(registry_, "g-lag").at(busy) == 7;
  })) << lag_of(registry_, "g-lag").at(busy);
}

// poll() has the lag refreshed every lag_interval of the consumer's clock,
// not of the OS's: on a ManualClock new traffic shows only once time has
// advanced. The refresh runs on the consumer's lag thread, so the test waits
// for its effect and counts refreshes to show none ran before it was due.
TEST_F(ConsumerLagTest, LagRefreshFollowsTheConsumersClock) {
  const int busy = produce("cam-1", 3);
  ASSERT_GE(busy, 0);
  ManualClock clock;
  ConsumerOptions options{"g-clock", {kTopic}, "c1", &metrics_, Millis(10'000)};
  options.clock = &clock;
  auto created = Consumer::create(kafka_, options);
  ASSERT_TRUE(created) << created.error().message;
  Consumer& consumer = **created;
  consumer.pause();  // nothing fetched: the lag is everything produced
  poll_until_assigned(consumer, 2);
  clock.advance(std::chrono::milliseconds(10'000));
  consumer.poll(Millis(1));  // due: refreshed
  const auto lag_is = [&](double expected) {
    const auto lag = lag_of(registry_, "g-clock");
    return lag.contains(busy) && lag.at(busy) == expected;
  };
  ASSERT_TRUE(testing::eventually([&] { return lag_is(3) && consumer.lag_refreshes() > 0; }));
  const int64_t refreshes = consumer.lag_refreshes();

  produce("cam-1", 2);
  for (int i = 0; i < 3; ++i) consumer.poll(Millis(1));
  clock.advance(std::chrono::milliseconds(9'999));
  consumer.poll(Millis(1));  // not due yet

  clock.advance(std::chrono::milliseconds(1));
  consumer.poll(Millis(1));
  EXPECT_TRUE(testing::eventually([&] { return lag_is(5); }));
  EXPECT_EQ(consumer.lag_refreshes(), refreshes + 1);  // the one due, none before
}

TEST_F(ConsumerLagTest, GroupThatConsumedNothingLagsByEverything) {
  const int busy = produce("cam-1", 5);
  ASSERT_GE(busy, 0);
  auto consumer = make_consumer("g-idle", "c1");
  consumer->pause();  // assigned partitions start paused: nothing is fetched
  poll_until_assigned(*consumer, 2);
  consumer->refresh_lag();
  const auto lag = lag_of(registry_, "g-idle");
  ASSERT_EQ(lag.size(), 2u);
  EXPECT_EQ(lag.at(busy), 5);
  EXPECT_EQ(lag.at(1 - busy), 0);
}

TEST_F(ConsumerLagTest, RevokedPartitionsLoseTheirSeries) {
  produce("cam-1", 2);
  auto first = make_consumer("g-share", "c1");
  poll_until_assigned(*first, 2);
  first->refresh_lag();
  ASSERT_EQ(lag_of(registry_, "g-share").size(), 2u);

  // A second member joins: each keeps one partition, and the first reports
  // only what it still owns.
  auto second = make_consumer("g-share", "c2");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  size_t first_owns = 2;
  size_t second_owns = 0;
  while ((first_owns != 1 || second_owns != 1) && std::chrono::steady_clock::now() < give_up) {
    first->poll(Millis(20));
    second->poll(Millis(20));
    std::vector<RdKafka::TopicPartition*> a;
    std::vector<RdKafka::TopicPartition*> b;
    first->handle().assignment(a);
    second->handle().assignment(b);
    first_owns = a.size();
    second_owns = b.size();
    RdKafka::TopicPartition::destroy(a);
    RdKafka::TopicPartition::destroy(b);
  }
  ASSERT_EQ(first_owns, 1u);
  ASSERT_EQ(second_owns, 1u);
  first->refresh_lag();
  second->refresh_lag();
  EXPECT_EQ(lag_of(registry_, "g-share").size(), 2u);  // one series per owner

  // Leaving the group removes the leaver's series, and only those: had the
  // first kept the partition revoked from it, the second's series would go too.
  first->close();
  EXPECT_EQ(lag_of(registry_, "g-share").size(), 1u);
  second->close();
  EXPECT_TRUE(lag_of(registry_, "g-share").empty());
}

}  // namespace
}  // namespace tmon::bus
