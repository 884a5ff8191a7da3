// One bad message must not stall its partition: an oversized poison message
// (its dead letter cut to fit the topic) and a handler that throws (the
// message dead-lettered by the runner) both complete their offsets, so
// commits go on and the group's lag returns to 0 (against the embedded broker).
#include "bus/stage_runner.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <map>
#include <stdexcept>

#include "bus/retrying_sender.h"
#include "bus/tests/broker_fixture.h"
#include "eventually.h"
#include "messages/codec.h"

namespace tmon::bus {
namespace {

using testing::eventually;

constexpr size_t kPoisonBytes = 300'000;

// "ok…" completes, "throw" throws, anything else is not a message.
class PickyHandler : public MessageHandler {
 public:
  explicit PickyHandler(DeadLetterPublisher& dead_letters) : dead_letters_(dead_letters) {}
  void handle(ConsumedMessage&& message, Consumer& consumer) override {
    if (message.value == "throw") throw std::runtime_error("handler bug on purpose");
    if (message.value.starts_with("ok")) {
      consumer.complete(message);
      return;
    }
    dead_letters_.publish(message, "invalid JSON: not a message", consumer);
  }

 private:
  DeadLetterPublisher& dead_letters_;
};

// The group's lag over its partitions; -1 before any is reported.
double lag_of(prometheus::Registry& registry, const std::string& group) {
  double lag = -1;
  for (const auto& family : registry.Collect()) {
    if (family.name != "kafka_consumer_lag") continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name != "group" || label.value != group) continue;
        lag = std::max(lag, 0.0) + metric.gauge.value;
      }
    }
  }
  return lag;
}

class StageRunnerTest : public BrokerTest {
 protected:
  void SetUp() override {
    kafka_.topics.detection_results.partitions = 1;
    kafka_.topics.dead_letter.partitions = 1;
    kafka_.consumer.commit_interval_ms = 100;
    start_broker();
  }
  prometheus::Registry registry_;
  BusMetrics metrics_{registry_};
};

TEST_F(StageRunnerTest, PoisonAndThrowingHandlerDoNotStopCommits) {
  const std::string topic = kafka_.topics.detection_results.name;
  auto feeder = Producer::create(kafka_, "feeder");  // 10 MB messages allowed
  ASSERT_TRUE(feeder) << feeder.error().message;
  // The stage's producer takes at most 100 KB: the poison's dead letter,
  // base64 of 300 KB of binary, would not fit whole.
  config::KafkaConfig stage_kafka = kafka_;
  stage_kafka.producer.message_max_bytes = 100'000;
  auto producer = Producer::create(stage_kafka, "stage", &metrics_);
  ASSERT_TRUE(producer) << producer.error().message;
  RetryingSender sender(**producer, SystemClock::instance(), &metrics_);
  DeadLetterPublisher dead_letters(sender, kafka_.topics.dead_letter.name, "generate",
                                   SystemClock::instance(), &metrics_, 96'000);
  PickyHandler handler(dead_letters);
  metrics_.init_stage(topic, "generate", {kafka_.topics.dead_letter.name});

  const std::string poison(kPoisonBytes, '\xff');
  for (const std::string& value :
       {std::string("ok-1"), poison, std::string("throw"), std::string("ok-2")}) {
    ASSERT_TRUE((*feeder)->send_and_wait(topic, "cam-1", value));
  }
  auto consumer = Consumer::create(kafka_, {"g-stage", {topic}, "stage", &metrics_, Millis(200)});
  ASSERT_TRUE(consumer) << consumer.error().message;
  StageRunner runner("generate", std::move(*consumer), handler, Millis(5'000),
                     {&dead_letters, &metrics_});
  runner.start();

  const auto consumed = [&] {
    return metrics_.messages_consumed.Add({{"topic", topic}, {"group", "g-stage"}}).Value();
  };
  ASSERT_TRUE(eventually([&] { return consumed() == 4 && lag_of(registry_, "g-stage") == 0; },
                         std::chrono::seconds(30)))
      << "consumed " << consumed() << ", lag " << lag_of(registry_, "g-stage");
  EXPECT_EQ(runner.failures(), 1);
  EXPECT_EQ(metrics_.handler_errors.Add({{"stage", "generate"}}).Value(), 1);
  EXPECT_EQ(metrics_.dead_letters_truncated.Add({{"topic", topic}, {"stage", "generate"}}).Value(),
            1);
  runner.stop();

  // Both letters are in the dead-letter topic, saying what happened.
  auto reader = Consumer::create(kafka_, {"reader", {kafka_.topics.dead_letter.name}, "reader"});
  ASSERT_TRUE(reader);
  std::vector<messages::DeadLetter> letters;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (letters.size() < 2 && std::chrono::steady_clock::now() < give_up) {
    if (auto message = (*reader)->poll(Millis(100))) {
      auto letter = messages::decode_dead_letter(message->value);
      ASSERT_TRUE(letter) << letter.error().message;
      letters.push_back(*letter);
    }
  }
  ASSERT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters[0].offset, 1);
  EXPECT_TRUE(letters[0].payloadTruncated);
  EXPECT_EQ(letters[0].payloadBytes, static_cast<int64_t>(kPoisonBytes));
  EXPECT_EQ(letters[1].offset, 2);
  EXPECT_EQ(letters[1].reason, "handler error: handler bug on purpose");
  EXPECT_EQ(letters[1].payload, "throw");
}

}  // namespace
}  // namespace tmon::bus
