#pragma once

#include "bus/tests/broker_fixture.h"

namespace tmon::fleet {

// The bus's embedded-broker fixture (it creates the registry topic too),
// started with a registry of 6 partitions before every test.
class FleetBrokerTest : public bus::BrokerTest {
 protected:
  void SetUp() override {
    kafka_.fleet.registry_partitions = 6;
    start_broker();
  }
};

}  // namespace tmon::fleet
