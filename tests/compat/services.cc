#include "services.h"

#include <signal.h>

#include "bus/producer.h"
#include "common/clock.h"

namespace tmon::compat {

using namespace std::chrono_literals;
using testing::ChildProcess;

Services::Services() {
  config.write("api_keys.yaml",
               "llm:\n  base_url: http://127.0.0.1:1/unused\n"
               "api_keys:\n  - {id: key-1, key: sk-compat-test-0001, qps_limit: 50, "
               "rpm_limit: 3000}\n");
  config.write("kafka.yaml",
               "consumer:\n  fetch_wait_max_ms: 10\n  session_timeout_ms: 6000\n"
               "  heartbeat_interval_ms: 1000\n");
  config.write("pipeline.yaml",
               "cameras: []\napi:\n  allowed_origins: [\"" + kFrontEndOrigin + "\"]\n");
  broker = testing::start_tmon_broker(TMON_BINARY, config.str(), {}, &problem);
  if (!broker) return;
  mock = std::make_unique<ChildProcess>(std::vector<std::string>{
      TMON_BINARY, "mock-llm", "--config-dir", config.str(), "--latency-median-ms", "50"});
  const auto base_url = mock->wait_for_stdout(std::regex(R"(^(http://\S+))"), 15s);
  if (!base_url) {
    problem = "tmon mock-llm did not start: " + mock->stderr_text();
    return;
  }
  up = std::make_unique<ChildProcess>(
      std::vector<std::string>{TMON_BINARY, "up", "--config-dir", config.str(), "--api-port", "0"},
      std::map<std::string, std::string>{{"TMON_KAFKA_BOOTSTRAP_SERVERS", broker->bootstrap},
                                         {"TMON_LLM_BASE_URL", *base_url},
                                         {"TMON_REDIS_URL", redis.url()},
                                         {"TMON_ADMIN_TOKEN", kAdminToken},
                                         {"DASHSCOPE_API_KEY", ""}});
  const auto port = up->wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 30s);
  if (!port) {
    problem = "tmon up did not start: " + up->stderr_text();
    return;
  }
  api_port = std::stoi(*port);
  kafka.bootstrap_servers = broker->bootstrap;
  kafka.consumer.fetch_wait_max_ms = 10;
}

Services* ConformanceTest::services_ = nullptr;

void ConformanceTest::SetUpTestSuite() {
  services_ = new Services();
}

void ConformanceTest::TearDownTestSuite() {
  if (services_->up) {
    services_->up->signal(SIGTERM);
    EXPECT_EQ(services_->up->wait(30s), 0) << services_->up->stderr_text();
  }
  delete services_;
}

void ConformanceTest::SetUp() {
  ASSERT_GT(services_->api_port, 0) << services_->problem;
}

const config::KafkaConfig& ConformanceTest::kafka() {
  return services_->kafka;
}

std::unique_ptr<store::RedisClient> ConformanceTest::redis() {
  return std::make_unique<store::RedisClient>(*store::RedisAddress::parse(services_->redis.url()),
                                              Millis(2'000));
}

void ConformanceTest::produce(const std::string& topic, const std::string& key,
                              const json& message) {
  auto producer = bus::Producer::create(kafka(), "compat-test");
  ASSERT_TRUE(producer) << producer.error().message;
  ASSERT_TRUE((*producer)->send_and_wait(topic, key, message.dump()));
}

void ConformanceTest::stamp_now(json& message) {
  const int64_t now = SystemClock::instance().epoch_ms();
  message["timestamp"] = iso8601_utc(now);
  if (message.contains("frameTimestamp")) message["frameTimestamp"] = now / 1000.0;
}

std::unique_ptr<bus::TopicTail> ConformanceTest::tail(const std::vector<std::string>& topics) {
  auto opened = bus::TopicTail::open(kafka(), topics, "compat-tail");
  EXPECT_TRUE(opened) << opened.error().message;
  return opened ? std::move(*opened) : nullptr;
}

}  // namespace tmon::compat
