// A delivery that fails during a broker outage is sent again, on the Clock,
// until it lands once the broker is back: never dropped.
#include "bus/retrying_sender.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>

#include "bus/consumer.h"
#include "bus/tests/broker_fixture.h"
#include "eventually.h"

namespace tmon::bus {
namespace {

using testing::eventually;

class RetryingSenderTest : public BrokerTest {
 protected:
  void SetUp() override {
    kafka_.topics.risk_assessment_results.partitions = 1;
    // Short, so the outage below outlasts it and deliveries fail.
    kafka_.producer.delivery_timeout_ms = 1'500;
    start_broker();
  }

  prometheus::Registry registry_;
  BusMetrics metrics_{registry_};
};

TEST_F(RetryingSenderTest, AFailedDeliveryIsSentAgainAndLandsWhenTheBrokerIsBack) {
  auto producer = Producer::create(kafka_, "retry-test", &metrics_);
  ASSERT_TRUE(producer) << producer.error().message;
  RetryingSender sender(**producer, SystemClock::instance(), &metrics_,
                        {Millis(100), Millis(500), 1000});
  const std::string topic = kafka_.topics.risk_assessment_results.name;
  // Metadata known first, so the failure below is the outage's.
  ASSERT_TRUE((*producer)->send_and_wait(topic, "cam-1", "before"));

  broker_->set_available(false);
  std::atomic<int> delivered{0};
  sender.send(topic, "cam-1", "during the outage", [&](DeliveredOffset) { ++delivered; });
  ASSERT_TRUE(eventually([&] { return sender.retries() >= 1; }, std::chrono::seconds(20)));
  EXPECT_EQ(delivered, 0);
  EXPECT_GE(metrics_.delivery_retries.Add({{"topic", topic}}).Value(), 1);
  EXPECT_FALSE(sender.last_error().empty());

  broker_->set_available(true);
  ASSERT_TRUE(eventually([&] { return delivered == 1; }, std::chrono::seconds(30)))
      << "retries: " << sender.retries() << ", last error: " << sender.last_error();
  EXPECT_EQ(sender.pending(), 0u);
  EXPECT_EQ(metrics_.deliveries_pending_retry.Add({}).Value(), 0);

  // It is in the topic.
  auto consumer = Consumer::create(kafka_, {"reader", {topic}, "reader"});
  ASSERT_TRUE(consumer);
  bool found = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!found && std::chrono::steady_clock::now() < give_up) {
    if (auto message = (*consumer)->poll(Millis(100)))
      found = message->value == "during the outage";
  }
  EXPECT_TRUE(found);
}

TEST_F(RetryingSenderTest, StopAbandonsWhatWaitsWithoutCallingBack) {
  auto producer = Producer::create(kafka_, "retry-test", &metrics_);
  ASSERT_TRUE(producer) << producer.error().message;
  RetryingSender sender(**producer, SystemClock::instance(), &metrics_,
                        {Millis(60'000), Millis(60'000), 1});
  const std::string topic = kafka_.topics.risk_assessment_results.name;
  ASSERT_TRUE((*producer)->send_and_wait(topic, "cam-1", "before"));
  broker_->set_available(false);
  std::atomic<int> delivered{0};
  sender.send(topic, "cam-1", "lost to the stop", [&](DeliveredOffset) { ++delivered; });
  ASSERT_TRUE(eventually([&] { return sender.pending() == 1; }, std::chrono::seconds(20)));
  EXPECT_TRUE(sender.saturated());  // max_pending 1: the stages would pause
  sender.stop();                    // at once, though the retry is a minute away
  EXPECT_EQ(sender.pending(), 0u);
  EXPECT_EQ(delivered, 0);
  broker_->set_available(true);
}

}  // namespace
}  // namespace tmon::bus
