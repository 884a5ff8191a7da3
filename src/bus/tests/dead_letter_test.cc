#include "bus/dead_letter.h"

#include <gtest/gtest.h>

#include <future>

#include "bus/embedded_broker.h"
#include "messages/codec.h"

namespace tmon::bus {
namespace {

// The category of what the real decoder says about `json`.
std::string category_of(const std::string& json) {
  const auto decoded = messages::decode_assessment_task(json);
  EXPECT_FALSE(decoded) << json;
  return decoded ? "" : std::string(dead_letter_reason(decoded.error().message));
}

TEST(DeadLetterReasonTest, DecoderMessagesFallIntoBoundedCategories) {
  EXPECT_EQ(category_of("{not json"), "invalid_json");
  EXPECT_EQ(category_of("[1, 2]"), "invalid_json");
  EXPECT_EQ(category_of(R"({"schemaVersion": 1})"), "missing_field");
  EXPECT_EQ(category_of(R"({"schemaVersion": "one"})"), "wrong_type");
  EXPECT_EQ(category_of(R"({"schemaVersion": -1})"), "invalid_value");
}

TEST(DeadLetterReasonTest, MessagesOfEveryCodecMapToACategory) {
  EXPECT_EQ(dead_letter_reason("invalid JSON: syntax error while parsing value"), "invalid_json");
  EXPECT_EQ(dead_letter_reason("expected a JSON object"), "invalid_json");
  EXPECT_EQ(dead_letter_reason("cameraId: required field missing"), "missing_field");
  EXPECT_EQ(dead_letter_reason("riskAssessment: required when status is ok"), "missing_field");
  EXPECT_EQ(dead_letter_reason("trafficGroups[1].objectIds[0]: expected an integer, got string"),
            "wrong_type");
  EXPECT_EQ(dead_letter_reason("captureTs: expected an integer, got a fractional number"),
            "wrong_type");
  EXPECT_EQ(dead_letter_reason("riskAssessment.results[0].confidence: expected a number in [0, 1]"),
            "invalid_value");
  EXPECT_EQ(dead_letter_reason("riskLevel: expected one of none, low, medium, high, critical"),
            "invalid_value");
  EXPECT_EQ(dead_letter_reason("captureTs: integer out of range"), "invalid_value");
  EXPECT_EQ(dead_letter_reason("message too large"), "oversized");
  EXPECT_EQ(dead_letter_reason("handler error: boom"), "handler_error");
  EXPECT_EQ(dead_letter_reason("captureTs: out of range: 9 is more than 1 day old"),
            "invalid_value");
  EXPECT_EQ(dead_letter_reason("something new"), "other");
}

TEST(DeadLetterPublisherTest, DeliveredDeadLettersCountBySourceTopicStageAndCategory) {
  config::KafkaConfig kafka;
  kafka.topics.dead_letter.partitions = 1;
  auto broker = EmbeddedBroker::start(1, kafka.topics);
  ASSERT_TRUE(broker) << broker.error().message;
  kafka.bootstrap_servers = (*broker)->bootstrap_servers();
  prometheus::Registry registry;
  BusMetrics metrics(registry);
  auto producer = Producer::create(kafka, "test-producer", &metrics);
  ASSERT_TRUE(producer) << producer.error().message;
  auto consumer = Consumer::create(kafka, {"g", {"detection-results"}, "test-consumer"});
  ASSERT_TRUE(consumer) << consumer.error().message;

  RetryingSender sender(**producer, SystemClock::instance(), &metrics);
  DeadLetterPublisher publisher(sender, kafka.topics.dead_letter.name, "generate",
                                SystemClock::instance(), &metrics);
  ConsumedMessage message;
  message.topic = "detection-results";
  message.key = "cam-1";
  message.value = "{not json";
  publisher.publish(message, "invalid JSON: syntax error", **consumer);
  publisher.publish(message, "cameraId: required field missing", **consumer);
  ASSERT_TRUE((*producer)->flush(Millis(10'000)));

  const auto count = [&](const std::string& reason) {
    const prometheus::Labels labels{
        {"topic", "detection-results"}, {"stage", "generate"}, {"reason", reason}};
    return metrics.dead_letters.Has(labels) ? metrics.dead_letters.Add(labels).Value() : 0;
  };
  EXPECT_EQ(count("invalid_json"), 1);
  EXPECT_EQ(count("missing_field"), 1);
  EXPECT_FALSE(metrics.produce_errors.Has({{"topic", kafka.topics.dead_letter.name}}));
}

}  // namespace
}  // namespace tmon::bus
