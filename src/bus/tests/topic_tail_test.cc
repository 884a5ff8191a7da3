// TopicTail and GroupLagProbe against the embedded broker.
#include "bus/topic_tail.h"

#include <gtest/gtest.h>

#include "bus/consumer.h"
#include "bus/embedded_broker.h"
#include "bus/producer.h"
#include "bus/tests/broker_fixture.h"

namespace tmon::bus {
namespace {

constexpr const char* kTopic = "assessment-tasks";

class TopicTailTest : public BrokerTest {
 protected:
  void SetUp() override {
    kafka_.topics.assessment_tasks.partitions = 3;
    start_broker();
    if (HasFatalFailure()) return;
    auto producer = Producer::create(kafka_, "test-producer");
    ASSERT_TRUE(producer) << producer.error().message;
    producer_ = std::move(*producer);
  }

  void produce(const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) {
      auto delivered =
          producer_->send_and_wait(kTopic, "key-" + std::to_string(i), prefix + std::to_string(i));
      ASSERT_TRUE(delivered) << delivered.error().message;
    }
  }

  std::unique_ptr<Producer> producer_;
};

TEST_F(TopicTailTest, ReadsOnlyWhatWasProducedAfterItOpened) {
  produce("before-", 6);
  auto tail = TopicTail::open(kafka_, {kTopic}, "test-tail");
  ASSERT_TRUE(tail) << tail.error().message;
  produce("after-", 6);
  std::set<std::string> seen;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (seen.size() < 6 && std::chrono::steady_clock::now() < give_up) {
    if (auto message = (*tail)->poll(Millis(100))) seen.insert(message->value);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"after-0", "after-1", "after-2", "after-3", "after-4",
                                         "after-5"}));
}

TEST_F(TopicTailTest, LagProbeCountsWhatAGroupHasNotCommitted) {
  produce("m", 9);
  auto probe = GroupLagProbe::open(kafka_, {{"lagging-group", kTopic}});
  ASSERT_TRUE(probe) << probe.error().message;
  // Nothing committed: everything since the low watermark is behind.
  auto lag = (*probe)->lag();
  ASSERT_EQ(lag.size(), 1u);
  ASSERT_TRUE(lag[0]);
  EXPECT_EQ(*lag[0], 9);

  // A member finishes five messages and commits them.
  auto consumer = Consumer::create(kafka_, {"lagging-group", {kTopic}, "member"});
  ASSERT_TRUE(consumer) << consumer.error().message;
  int done = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (done < 5 && std::chrono::steady_clock::now() < give_up) {
    if (auto message = (*consumer)->poll(Millis(100))) {
      (*consumer)->complete(*message);
      ++done;
    }
  }
  ASSERT_TRUE((*consumer)->commit());
  lag = (*probe)->lag();
  ASSERT_TRUE(lag[0]);
  EXPECT_EQ(*lag[0], 4);
}

}  // namespace
}  // namespace tmon::bus
