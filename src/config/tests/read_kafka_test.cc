// kafka.yaml: bootstrap_servers, embedded_brokers, topics, producer, consumer.

#include <gtest/gtest.h>

#include "config/load.h"
#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::options_for;
using testing::TempConfigDir;

class KafkaFileTest : public ::testing::Test {
 protected:
  Result<LoadedConfig> load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
    dir_.write("kafka.yaml", yaml);
    return load_config(options_for(dir_, std::move(env)));
  }
  std::string error_of(const std::string& yaml) {
    auto loaded = load(yaml);
    return loaded ? "<loaded>" : loaded.error().message;
  }
  std::string file() const { return dir_.file("kafka.yaml"); }

  TempConfigDir dir_;
};

TEST_F(KafkaFileTest, ReadsEverySection) {
  auto loaded = load(R"(
bootstrap_servers: k1:9092,k2:9092
embedded_brokers: 3
topics:
  detection_results: {name: det, partitions: 8, replication_factor: 3, retention_ms: 60000}
  assessment_tasks: {partitions: 32}
  risk_assessment_results: {name: risk}
  dead_letter: {retention_ms: -1}
producer:
  acks: all
  enable_idempotence: true
  compression_type: zstd
  linger_ms: 0
  batch_size: 1000
  message_max_bytes: 2000
  delivery_timeout_ms: 5000
  properties:
    client.id: tmon
consumer:
  auto_offset_reset: latest
  session_timeout_ms: 6000
  heartbeat_interval_ms: 2000
  max_poll_interval_ms: 60000
  fetch_wait_max_ms: 10
  commit_interval_ms: 500
  group_generate: g1
  group_schedule: g2
  group_aggregate: g3
  properties:
    socket.keepalive.enable: "true"
)");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  const KafkaConfig& k = loaded->config->kafka;
  EXPECT_EQ(k.bootstrap_servers, "k1:9092,k2:9092");
  EXPECT_EQ(k.embedded_brokers, 3);
  EXPECT_EQ(k.topics.detection_results.name, "det");
  EXPECT_EQ(k.topics.detection_results.partitions, 8);
  EXPECT_EQ(k.topics.detection_results.replication_factor, 3);
  EXPECT_EQ(k.topics.detection_results.retention_ms, 60000);
  EXPECT_EQ(k.topics.assessment_tasks.name, "assessment-tasks");  // default name kept
  EXPECT_EQ(k.topics.assessment_tasks.partitions, 32);
  EXPECT_EQ(k.topics.risk_assessment_results.name, "risk");
  EXPECT_EQ(k.topics.dead_letter.retention_ms, -1);
  EXPECT_EQ(k.topics.dead_letter.partitions, 4);
  EXPECT_EQ(k.producer.compression_type, "zstd");
  EXPECT_EQ(k.producer.linger_ms, 0);
  EXPECT_EQ(k.producer.batch_size, 1000);
  EXPECT_EQ(k.producer.message_max_bytes, 2000);
  EXPECT_EQ(k.producer.delivery_timeout_ms, 5000);
  EXPECT_EQ(k.producer.properties.at("client.id"), "tmon");
  EXPECT_EQ(k.consumer.auto_offset_reset, "latest");
  EXPECT_EQ(k.consumer.session_timeout_ms, 6000);
  EXPECT_EQ(k.consumer.heartbeat_interval_ms, 2000);
  EXPECT_EQ(k.consumer.max_poll_interval_ms, 60000);
  EXPECT_EQ(k.consumer.fetch_wait_max_ms, 10);
  EXPECT_EQ(k.consumer.commit_interval_ms, 500);
  EXPECT_EQ(k.consumer.group_generate, "g1");
  EXPECT_EQ(k.consumer.group_schedule, "g2");
  EXPECT_EQ(k.consumer.group_aggregate, "g3");
  EXPECT_EQ(k.consumer.properties.at("socket.keepalive.enable"), "true");
}

TEST_F(KafkaFileTest, PropertiesAcceptAnyKeyWithoutWarnings) {
  auto loaded =
      load("producer:\n  properties:\n    sasl.mechanism: PLAIN\n    totally.made.up: ${X:-1}\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  EXPECT_EQ(loaded->config->kafka.producer.properties.at("totally.made.up"), "1");
}

TEST_F(KafkaFileTest, RejectsZeroOrNegativePartitions) {
  EXPECT_EQ(error_of("topics:\n  assessment_tasks:\n    partitions: 0\n"),
            file() + ":3: topics.assessment_tasks.partitions: expected an integer >= 1, got \"0\"");
  EXPECT_EQ(error_of("topics:\n  dead_letter:\n    partitions: -2\n"),
            file() + ":3: topics.dead_letter.partitions: expected an integer >= 1, got \"-2\"");
}

TEST_F(KafkaFileTest, RejectsUnknownAcks) {
  EXPECT_EQ(error_of("producer:\n  acks: 2\n"),
            file() + ":2: producer.acks: expected one of all, -1, 0, 1, got \"2\"");
}

TEST_F(KafkaFileTest, AcceptsEveryValidAcksWithoutIdempotence) {
  for (const char* acks : {"all", "-1", "0", "1"}) {
    auto loaded =
        load(std::string("producer:\n  enable_idempotence: false\n  acks: ") + acks + "\n");
    ASSERT_TRUE(loaded) << acks << ": " << loaded.error().message;
    EXPECT_EQ(loaded->config->kafka.producer.acks, acks);
  }
}

TEST_F(KafkaFileTest, IdempotenceRequiresAcksAll) {
  EXPECT_EQ(error_of("producer:\n  acks: 1\n"),
            file() +
                ":2: producer.acks: expected all or -1 while enable_idempotence is true, "
                "got \"1\"");
}

TEST_F(KafkaFileTest, RejectsUnknownCompression) {
  EXPECT_EQ(error_of("producer:\n  compression_type: brotli\n"),
            file() +
                ":2: producer.compression_type: expected one of none, gzip, snappy, lz4, "
                "zstd, got \"brotli\"");
}

TEST_F(KafkaFileTest, RejectsUnknownOffsetReset) {
  EXPECT_EQ(error_of("consumer:\n  auto_offset_reset: smallest\n"),
            file() +
                ":2: consumer.auto_offset_reset: expected one of earliest, latest, got "
                "\"smallest\"");
}

TEST_F(KafkaFileTest, HeartbeatMustBeShorterThanSessionTimeout) {
  EXPECT_EQ(error_of("consumer:\n  session_timeout_ms: 3000\n  heartbeat_interval_ms: 3000\n"),
            file() +
                ":3: consumer.heartbeat_interval_ms: expected an integer < "
                "session_timeout_ms (3000), got \"3000\"");
}

TEST_F(KafkaFileTest, RejectsZeroRetention) {
  EXPECT_EQ(error_of("topics:\n  dead_letter: {retention_ms: 0}\n"),
            file() +
                ":2: topics.dead_letter.retention_ms: expected a duration in ms > 0, or -1 "
                "for unlimited, got \"0\"");
}

TEST_F(KafkaFileTest, RejectsEmptyBootstrapServers) {
  EXPECT_EQ(error_of("bootstrap_servers: \"\"\n"),
            file() +
                ":1: bootstrap_servers: expected a non-empty host:port list, or "
                "\"embedded\", got \"\"");
}

TEST_F(KafkaFileTest, RejectsListWhereTopicMapExpected) {
  EXPECT_EQ(error_of("topics:\n  dead_letter: [a]\n"),
            file() + ":2: topics.dead_letter: expected a map");
}

TEST_F(KafkaFileTest, TypoInTopicKeyIsAWarning) {
  auto loaded = load("topics:\n  detection_result:\n    partitions: 2\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_EQ(loaded->warnings[0].key, "topics.detection_result");
  EXPECT_EQ(loaded->warnings[0].line, 2);
}

}  // namespace
}  // namespace tmon::config
