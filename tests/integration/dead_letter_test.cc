// A malformed detection message goes to tmon-dead-letter with its origin and
// the reason, and the stage carries on with the next message. So do messages
// whose values are out of bounds: far-future and ancient capture times, nan
// confidences, an INT_MIN priority.
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

// The generate stage on the embedded broker, as the pipeline runs it.
class DeadLetterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kafka.topics.detection_results.partitions = 1;
    auto started = bus::EmbeddedBroker::start(1, kafka.topics);
    ASSERT_TRUE(started);
    broker = std::move(*started);
    kafka.bootstrap_servers = broker->bootstrap_servers();
    kafka.consumer.fetch_wait_max_ms = 10;
    auto created = bus::Producer::create(kafka, "test");
    ASSERT_TRUE(created);
    producer = std::move(*created);
    sender = std::make_unique<bus::RetryingSender>(*producer, SystemClock::instance());
    dead_letters = std::make_unique<bus::DeadLetterPublisher>(
        *sender, kafka.topics.dead_letter.name, "generate", SystemClock::instance());
    stage = std::make_unique<generate::GenerateStage>(
        generate::TaskGenerator({}), *sender, kafka.topics.assessment_tasks.name, *dead_letters,
        SystemClock::instance(), registry);
    auto consumer = bus::Consumer::create(
        kafka, {"tmon-generate", {kafka.topics.detection_results.name}, "generate"});
    ASSERT_TRUE(consumer);
    runner = std::make_unique<bus::StageRunner>("generate", std::move(*consumer), *stage);
    runner->start();
  }
  void TearDown() override {
    if (runner) runner->stop();
  }

  config::KafkaConfig kafka;
  prometheus::Registry registry;
  std::unique_ptr<bus::EmbeddedBroker> broker;
  std::unique_ptr<bus::RetryingSender> sender;  // outlives the producer's callbacks
  std::unique_ptr<bus::Producer> producer;
  std::unique_ptr<bus::DeadLetterPublisher> dead_letters;
  std::unique_ptr<generate::GenerateStage> stage;
  std::unique_ptr<bus::StageRunner> runner;
};

TEST_F(DeadLetterTest, MalformedInputIsDeadLetteredAndTheStageCarriesOn) {
  const std::string garbage = R"({"cameraId":"cam-9","captureTs":"yesterday"})";
  ASSERT_TRUE(producer->send_and_wait(kafka.topics.detection_results.name, "cam-9", garbage));
  messages::DetectionResult good;
  good.cameraId = "cam-9";
  good.requestId = "cam-9-1";
  good.captureTs = SystemClock::instance().epoch_ms();
  // A pedestrian right beside a car: the proximity trigger makes a task.
  good.detectedObjects = {{1, "person", 0, 0.9, {100, 100, 120, 150}},
                          {2, "car", 2, 0.9, {125, 110, 185, 150}}};
  good.trafficGroups = {{0, "g1", {1, 2}, {}, {}, {}}};
  good.groupImages = {{0, "g1", "SU1H", 4, 4}};
  ASSERT_TRUE(producer->send_and_wait(kafka.topics.detection_results.name, "cam-9",
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
}

TEST_F(DeadLetterTest, OutOfBoundsValuesAreDeadLetteredWithAReason) {
  const int64_t now = SystemClock::instance().epoch_ms();
  const auto frame = [&](int64_t capture_ts, const std::string& confidence) {
    return R"({"schemaVersion":1,"cameraId":"cam-7","requestId":"r-)" + std::to_string(capture_ts) +
           R"(","captureTs":)" + std::to_string(capture_ts) +
           R"(,"detectedObjects":[{"objectId":1,"className":"car","confidence":)" + confidence +
           R"(,"bbox":[0,0,10,10]}],"trafficGroups":[],"groupImages":[]})";
  };
  // Original-shape messages and ones from now pass; these do not.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {frame(now + 3'600'000, "0.9"), "captureTs: out of range"},         // an hour ahead
      {frame(now - 3 * 86'400'000LL, "0.9"), "captureTs: out of range"},  // three days old
      // JSON has no nan or inf: Python writes NaN, an overflow reads as inf.
      {frame(now, "NaN"), "invalid JSON"},
      {frame(now, "1e999"), "invalid JSON"},
      {frame(now, "1.5"), "confidence: out of range"},
  };
  for (const auto& [value, reason] : cases) {
    ASSERT_TRUE(producer->send_and_wait(kafka.topics.detection_results.name, "cam-7", value));
  }
  const auto letters = consume(kafka, kafka.topics.dead_letter.name, cases.size());
  ASSERT_EQ(letters.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    auto letter = messages::decode_dead_letter(letters[i].value);
    ASSERT_TRUE(letter) << letter.error().message;
    EXPECT_NE(letter->reason.find(cases[i].second), std::string::npos) << letter->reason;
  }

  // The scheduler's decoder refuses an INT_MIN priority (negated when tasks
  // are ordered) and a nan-like confidence the same way.
  const auto task = messages::decode_assessment_task(
      R"({"schemaVersion":1,"taskId":"t","requestId":"r","cameraId":"c","captureTs":1,)"
      R"("deadlineTs":2,"priority":-2147483648,"groupImageBase64":"SU1H"})");
  ASSERT_FALSE(task);
  EXPECT_NE(task.error().message.find("priority: out of range"), std::string::npos)
      << task.error().message;
}

}  // namespace
}  // namespace tmon
