#pragma once

// The processes the conformance suite drives: a `tmon broker`, a `tmon
// mock-llm`, a private redis-server and `tmon up` (detection, generator,
// scheduler, aggregator and API on that broker), started once per test
// binary, and what the tests need to talk to them.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/topic_tail.h"
#include "child_process.h"
#include "config/config.h"
#include "original_reader.h"
#include "redis_server.h"
#include "store/redis_client.h"
#include "temp_dir.h"
#include "tmon_broker.h"

namespace tmon::compat {

// The original front end's origin, allowed in the services' config: it
// opens /ws with no credential, as the original's page does.
inline const std::string kFrontEndOrigin = "http://front-end.example";
// The admin token the services' `tmon up` runs with (REST control).
inline const std::string kAdminToken = "compat-admin-token-0001";

// The services every test of the suite shares, started once.
struct Services {
  testing::TestRedis redis{testing::TestRedis::Private{}};
  testing::TempDir config;
  std::optional<testing::TmonBroker> broker;
  std::unique_ptr<testing::ChildProcess> mock;
  std::unique_ptr<testing::ChildProcess> up;
  config::KafkaConfig kafka;
  int api_port = 0;
  std::string problem;  // why they could not start

  Services();
};

// Tests of the suite: the services start with the first test of the binary
// and stop after its last.
class ConformanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static const config::KafkaConfig& kafka();
  static std::unique_ptr<store::RedisClient> redis();
  static void produce(const std::string& topic, const std::string& key, const json& message);
  // Sets the original's capture time fields (`timestamp`, `frameTimestamp`) to now.
  static void stamp_now(json& message);
  // Follows the topics from their current ends.
  static std::unique_ptr<bus::TopicTail> tail(const std::vector<std::string>& topics);

  static Services* services_;
};

}  // namespace tmon::compat
