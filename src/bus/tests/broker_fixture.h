#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "bus/embedded_broker.h"
#include "config/config.h"

namespace tmon::bus {

// A test against the embedded broker, with the client settings that make
// the in-memory broker answer promptly (DESIGN.md §4) and groups settle
// within seconds. Set kafka_.topics (partitions) before start_broker().
class BrokerTest : public ::testing::Test {
 protected:
  void start_broker() {
    auto broker = EmbeddedBroker::start(1, kafka_.topics, {config::registry_topic(kafka_)});
    ASSERT_TRUE(broker) << broker.error().message;
    broker_ = std::move(*broker);
    kafka_.bootstrap_servers = broker_->bootstrap_servers();
    kafka_.consumer.fetch_wait_max_ms = 10;
    kafka_.consumer.session_timeout_ms = 6000;
    kafka_.consumer.heartbeat_interval_ms = 500;
  }

  config::KafkaConfig kafka_;
  std::unique_ptr<EmbeddedBroker> broker_;
};

}  // namespace tmon::bus
