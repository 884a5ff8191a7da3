// A malformed detection message goes to tmon-dead-letter with its origin and
// the reason, and the stage carries on with the next message.
#include "bus/dead_letter.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "bus/consumer.h"
#include "bus/embedded_broker.h"
#include "bus/producer.h"
#include "bus/stage_runner.h"
#include "generate/generate_stage.h"
#include "messages/codec.h"

namespace tmon {
namespace {

std::vector<bus::ConsumedMessage> consume(config::KafkaConfig kafka, const std::string& topic,
                                          size_t count) {
  auto consumer = bus::Consumer::create(kafka, {"reader-" + topic, {topic}, "reader"});
  EXPECT_TRUE(consumer);
  std::vector<bus::ConsumedMessage> out;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (out.size() < count && std::chrono::steady_clock::now() < give_up) {
    if (auto message = (*consumer)->poll(Millis(100))) out.push_back(std::move(*message));
  }
  return out;
}

TEST(DeadLetterTest, MalformedInputIsDeadLetteredAndTheStageCarriesOn) {
  config::KafkaConfig kafka;
  kafka.topics.detection_results.partitions = 1;
  auto broker = bus::EmbeddedBroker::start(1, kafka.topics);
  ASSERT_TRUE(broker);
  kafka.bootstrap_servers = (*broker)->bootstrap_servers();
  kafka.consumer.fetch_wait_max_ms = 10;
  auto producer = bus::Producer::create(kafka, "test");
  ASSERT_TRUE(producer);

  bus::DeadLetterPublisher dead_letters(**producer, kafka.topics.dead_letter.name, "generate",
                                        SystemClock::instance());
  prometheus::Registry registry;
  generate::GenerateStage stage(generate::TaskGenerator({}), **producer,
                                kafka.topics.assessment_tasks.name, dead_letters,
                                SystemClock::instance(), registry);
  auto consumer = bus::Consumer::create(
      kafka, {"tmon-generate", {kafka.topics.detection_results.name}, "generate"});
  ASSERT_TRUE(consumer);
  bus::StageRunner runner("generate", std::move(*consumer), stage);
  runner.start();

  const std::string garbage = R"({"cameraId":"cam-9","captureTs":"yesterday"})";
  ASSERT_TRUE((*producer)->send_and_wait(kafka.topics.detection_results.name, "cam-9", garbage));
  messages::DetectionResult good;
  good.cameraId = "cam-9";
  good.requestId = "cam-9-1";
  good.captureTs = 1'000;
  // A pedestrian right beside a car: the proximity trigger makes a task.
  good.detectedObjects = {{1, "person", 0, 0.9, {100, 100, 120, 150}},
                          {2, "car", 2, 0.9, {125, 110, 185, 150}}};
  good.trafficGroups = {{0, "g1", {1, 2}, {}, {}, {}}};
  good.groupImages = {{0, "g1", "SU1H", 4, 4}};
  ASSERT_TRUE((*producer)->send_and_wait(kafka.topics.detection_results.name, "cam-9",
                                         messages::encode(good)));

  const auto letters = consume(kafka, kafka.topics.dead_letter.name, 1);
  ASSERT_EQ(letters.size(), 1u);
  auto letter = messages::decode_dead_letter(letters[0].value);
  ASSERT_TRUE(letter) << letter.error().message;
  EXPECT_EQ(letter->sourceTopic, kafka.topics.detection_results.name);
  EXPECT_EQ(letter->partition, 0);
  EXPECT_EQ(letter->offset, 0);
  EXPECT_EQ(letter->key, "cam-9");
  EXPECT_EQ(letter->stage, "generate");
  EXPECT_NE(letter->reason.find("captureTs"), std::string::npos) << letter->reason;
  EXPECT_EQ(letter->payload, garbage);

  const auto tasks = consume(kafka, kafka.topics.assessment_tasks.name, 1);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(messages::decode_assessment_task(tasks[0].value)->taskId, "cam-9-1:g1");
  runner.stop();
}

}  // namespace
}  // namespace tmon
