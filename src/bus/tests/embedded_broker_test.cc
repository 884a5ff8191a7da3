// Producer, Consumer and topic admin against an in-process embedded broker.
#include "bus/embedded_broker.h"

#include <gtest/gtest.h>

#include <set>

#include "bus/consumer.h"
#include "bus/producer.h"
#include "bus/tests/broker_fixture.h"
#include "bus/topic_admin.h"

namespace tmon::bus {
namespace {

class EmbeddedBrokerTest : public BrokerTest {
 protected:
  void SetUp() override {
    kafka_.topics.detection_results.partitions = 4;
    kafka_.topics.assessment_tasks.partitions = 4;
    start_broker();
  }

  std::unique_ptr<Consumer> make_consumer(const std::string& group) {
    auto consumer =
        Consumer::create(kafka_, {group, {kafka_.topics.assessment_tasks.name}, "test-consumer"});
    EXPECT_TRUE(consumer) << consumer.error().message;
    return consumer ? std::move(*consumer) : nullptr;
  }

  // Polls until `count` messages arrived or 20 s passed.
  std::vector<ConsumedMessage> consume(Consumer& consumer, size_t count) {
    std::vector<ConsumedMessage> out;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (out.size() < count && std::chrono::steady_clock::now() < give_up) {
      if (auto message = consumer.poll(Millis(100))) out.push_back(std::move(*message));
    }
    return out;
  }
};

TEST_F(EmbeddedBrokerTest, PrintsALoopbackBootstrapAddress) {
  EXPECT_EQ(broker_->bootstrap_servers().rfind("127.0.0.1:", 0), 0u);
}

TEST_F(EmbeddedBrokerTest, ConfiguredTopicsExistWithTheirPartitionCounts) {
  auto topics = describe_topics(kafka_, Millis(5000));
  ASSERT_TRUE(topics) << topics.error().message;
  std::map<std::string, int> partitions;
  for (const auto& topic : *topics) partitions[topic.name] = topic.partitions;
  EXPECT_EQ(partitions["detection-results"], 4);
  EXPECT_EQ(partitions["risk-assessment-results"], 16);
  EXPECT_EQ(partitions["tmon-dead-letter"], 4);
}

TEST_F(EmbeddedBrokerTest, EnsureTopicsIsIdempotentWhenTopicsExist) {
  auto statuses = ensure_topics(kafka_, Millis(5000));
  ASSERT_TRUE(statuses) << statuses.error().message;
  ASSERT_EQ(statuses->size(), 5u);  // the four stage topics and the camera registry
  for (const auto& status : *statuses) EXPECT_FALSE(status.created) << status.name;
}

TEST_F(EmbeddedBrokerTest, SendIsDoneOnlyWhenDelivered) {
  auto producer = Producer::create(kafka_, "test-producer");
  ASSERT_TRUE(producer) << producer.error().message;
  auto delivered = (*producer)->send_and_wait("assessment-tasks", "cam-1", "hello");
  ASSERT_TRUE(delivered) << delivered.error().message;
  EXPECT_GE(delivered->offset, 0);
}

TEST_F(EmbeddedBrokerTest, SameKeyLandsInOnePartitionInOrder) {
  auto producer = Producer::create(kafka_, "test-producer");
  ASSERT_TRUE(producer);
  std::set<int32_t> partitions;
  for (int i = 0; i < 20; ++i) {
    auto delivered = (*producer)->send_and_wait("assessment-tasks", "cam-7", std::to_string(i));
    ASSERT_TRUE(delivered);
    partitions.insert(delivered->partition);
  }
  EXPECT_EQ(partitions.size(), 1u);
  auto consumer = make_consumer("order-group");
  const auto messages = consume(*consumer, 20);
  ASSERT_EQ(messages.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(messages[i].value, std::to_string(i));
}

TEST_F(EmbeddedBrokerTest, UncommittedMessagesAreRedeliveredToTheNextMember) {
  auto producer = Producer::create(kafka_, "test-producer");
  ASSERT_TRUE(producer);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*producer)->send_and_wait("assessment-tasks", "k" + std::to_string(i), "m"));
  }
  {
    auto first = make_consumer("replay-group");
    auto messages = consume(*first, 10);
    ASSERT_EQ(messages.size(), 10u);
    // Only half the work finishes before this member goes away.
    for (size_t i = 0; i < messages.size(); ++i) {
      if (i % 2 == 0) first->complete(messages[i]);
    }
    first->close();
  }
  auto second = make_consumer("replay-group");
  const auto replayed = consume(*second, 5);
  // Every message not completed comes back; some completed ones may too,
  // since only the contiguous prefix per partition is committed.
  EXPECT_GE(replayed.size(), 5u);
}

TEST_F(EmbeddedBrokerTest, PausedConsumerReceivesNothingUntilResumed) {
  auto consumer = make_consumer("pause-group");
  // Join the group (and get an assignment) before pausing.
  auto producer = Producer::create(kafka_, "test-producer");
  ASSERT_TRUE(producer);
  ASSERT_TRUE((*producer)->send_and_wait("assessment-tasks", "a", "first"));
  ASSERT_EQ(consume(*consumer, 1).size(), 1u);
  consumer->pause();
  ASSERT_TRUE((*producer)->send_and_wait("assessment-tasks", "a", "second"));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(consumer->poll(Millis(100)));
  consumer->resume();
  const auto messages = consume(*consumer, 1);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].value, "second");
}

}  // namespace
}  // namespace tmon::bus
