#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "bus/embedded_broker.h"
#include "config/config.h"

namespace tmon::fleet {

// The embedded broker with the registry topic, and client settings that let
// groups settle within seconds (DESIGN.md §4).
class FleetBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kafka_.fleet.registry_partitions = 6;
    auto broker = bus::EmbeddedBroker::start(1, kafka_.topics, {config::registry_topic(kafka_)});
    ASSERT_TRUE(broker) << broker.error().message;
    broker_ = std::move(*broker);
    kafka_.bootstrap_servers = broker_->bootstrap_servers();
    kafka_.consumer.fetch_wait_max_ms = 10;
    kafka_.consumer.session_timeout_ms = 6000;
    kafka_.consumer.heartbeat_interval_ms = 500;
  }

  config::KafkaConfig kafka_;
  std::unique_ptr<bus::EmbeddedBroker> broker_;
};

}  // namespace tmon::fleet
