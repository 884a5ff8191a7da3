// `tmon broker` and `tmon topics init` as an operator uses them.
#include <gtest/gtest.h>
#include <signal.h>

#include "bus/consumer.h"
#include "bus/producer.h"
#include "child_process.h"
#include "listening_port.h"
#include "temp_dir.h"
#include "tmon_broker.h"

namespace tmon {
namespace {

using testing::ChildProcess;

TEST(BrokerCliTest, FixedPortForwardsToTheEmbeddedBroker) {
  testing::TempDir config;
  // A fixed port cannot be port 0: try candidates until one binds. The
  // broker prints its address only once its forwarder listens there, and
  // exits when the bind fails, so a printed address is this broker's.
  int port = 0;
  std::string error;
  std::optional<testing::TmonBroker> broker;
  for (int attempt = 0; attempt < 5 && !broker; ++attempt) {
    port = testing::candidate_port();
    broker = testing::start_tmon_broker(
        TMON_BINARY, config.str(), {"--brokers", "3", "--port", std::to_string(port)}, &error);
  }
  ASSERT_TRUE(broker) << error;
  const std::string bootstrap = broker->bootstrap;
  EXPECT_EQ(bootstrap, "127.0.0.1:" + std::to_string(port));

  config::KafkaConfig kafka;
  kafka.bootstrap_servers = bootstrap;
  kafka.consumer.fetch_wait_max_ms = 10;
  auto producer = bus::Producer::create(kafka, "cli-test");
  ASSERT_TRUE(producer);
  ASSERT_TRUE((*producer)->send_and_wait("detection-results", "cam", "through the forwarder"));
  auto consumer = bus::Consumer::create(kafka, {"cli-test", {"detection-results"}, "cli-test"});
  ASSERT_TRUE(consumer);
  std::optional<bus::ConsumedMessage> message;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!message && std::chrono::steady_clock::now() < give_up) {
    message = (*consumer)->poll(Millis(100));
  }
  ASSERT_TRUE(message);
  EXPECT_EQ(message->value, "through the forwarder");
  (*consumer)->close();

  broker->process->signal(SIGTERM);
  EXPECT_EQ(broker->process->wait(std::chrono::seconds(15)), 0);
}

TEST(BrokerCliTest, TopicsInitIsIdempotent) {
  testing::TempDir config;
  std::string error;
  auto broker = testing::start_tmon_broker(TMON_BINARY, config.str(), {}, &error);
  ASSERT_TRUE(broker) << error;
  const std::string bootstrap = broker->bootstrap;
  for (int run = 0; run < 2; ++run) {
    ChildProcess init({TMON_BINARY, "topics", "init", "--config-dir", config.str()},
                      {{"TMON_KAFKA_BOOTSTRAP_SERVERS", bootstrap}});
    ASSERT_EQ(init.wait(std::chrono::seconds(30)), 0) << init.stderr_text();
    const std::string out = init.stdout_text();
    for (const char* topic :
         {"detection-results", "assessment-tasks", "risk-assessment-results", "tmon-dead-letter"}) {
      EXPECT_NE(out.find(topic), std::string::npos) << out;
    }
    EXPECT_NE(out.find("16 partitions  exists"), std::string::npos) << out;
  }
}

TEST(BrokerCliTest, TopicsInitRefusesTheEmbeddedPlaceholder) {
  testing::TempDir config;
  ChildProcess init({TMON_BINARY, "topics", "init", "--config-dir", config.str()},
                    {{"TMON_KAFKA_BOOTSTRAP_SERVERS", ""}});
  EXPECT_EQ(init.wait(std::chrono::seconds(30)), 2);
  EXPECT_NE(init.stderr_text().find("needs a broker address"), std::string::npos);
}

}  // namespace
}  // namespace tmon
