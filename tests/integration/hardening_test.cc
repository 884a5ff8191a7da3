// The data plane under attack and outage, against real `tmon` processes:
// SIGTERM while Redis is down exits within shutdown_timeout_seconds, and a
// provider whose errors echo the API key never gets the key into logs,
// Kafka, Redis or the API.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <thread>

#include "bus/consumer.h"
#include "child_process.h"
#include "eventually.h"
#include "http_get.h"
#include "redis_server.h"
#include "store/redis_client.h"
#include "temp_dir.h"
#include "tmon_broker.h"

namespace tmon {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::eventually;

constexpr const char* kFastPipeline =
    "detection:\n  frame_interval_seconds: 0.5\n"
    "tasks:\n  dedup:\n    interval_seconds: 0\n";

std::shared_ptr<store::RedisClient> redis_client(const std::string& url) {
  return std::make_shared<store::RedisClient>(*store::RedisAddress::parse(url), Millis(1000));
}

// Every key's value(s) as text, whatever its type.
std::string dump_redis(store::RedisClient& redis) {
  std::string all;
  auto keys = redis.command({"KEYS", "*"});
  if (!keys) return all;
  for (const auto& key : keys->elements) {
    auto type = redis.command({"TYPE", key.text});
    if (!type) continue;
    std::vector<std::string> read;
    if (type->text == "string") read = {"GET", key.text};
    if (type->text == "list") read = {"LRANGE", key.text, "0", "-1"};
    if (type->text == "hash") read = {"HGETALL", key.text};
    if (type->text == "zset") read = {"ZRANGE", key.text, "0", "-1"};
    if (type->text == "set") read = {"SMEMBERS", key.text};
    if (read.empty()) continue;
    auto value = redis.command(read);
    if (!value) continue;
    all += key.text + "=" + value->text;
    for (const auto& element : value->elements) all += "|" + element.text;
    all += "\n";
  }
  return all;
}

// An integer counter's value in a /metrics body (0 when absent).
double metric_value(const std::string& body, const std::string& series) {
  // The sample line, not the # HELP / # TYPE lines that name it too.
  const size_t at = body.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(body.substr(at + series.size() + 2));
}

TEST(HardeningTest, SigtermDuringARedisOutageExitsWithinTheShutdownTimeout) {
  testing::TempDir dir;
  dir.write("pipeline.yaml", std::string(kFastPipeline) + "shutdown_timeout_seconds: 8\n");
  dir.write("kafka.yaml", "consumer:\n  fetch_wait_max_ms: 10\n");
  testing::TestRedis redis{testing::TestRedis::Private{}};
  ChildProcess up({TMON_BINARY, "up", "--config-dir", dir.str(), "--api-port", "0"},
                  {{"TMON_REDIS_URL", redis.url()}, {"DASHSCOPE_API_KEY", ""}});
  const auto api = up.wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 60s);
  ASSERT_TRUE(api) << up.stderr_text();
  const int port = std::stoi(*api);
  auto client = redis_client(redis.url());
  ASSERT_TRUE(eventually(
      [&] {
        auto keys = client->command({"KEYS", "camera:*:latest"});
        return keys && !keys->elements.empty();
      },
      90s))
      << up.stderr_text();

  // Redis goes away while results keep coming: the aggregator retries.
  redis.kill();
  ASSERT_TRUE(eventually(
      [&] {
        const auto reply = testing::http_get(port, "/metrics");
        return metric_value(reply.body, "aggregate_store_errors_total") >= 2;
      },
      60s))
      << up.stderr_text();

  const auto signalled = std::chrono::steady_clock::now();
  up.signal(SIGTERM);
  const auto code = up.wait(20s);
  const auto took = std::chrono::steady_clock::now() - signalled;
  ASSERT_TRUE(code) << "still running 20 s after SIGTERM\n" << up.stderr_text();
  EXPECT_LE(took, 8s + 2s) << up.stderr_text();
  EXPECT_EQ(*code, 0) << up.stderr_text();
  std::cout << "exited " << std::chrono::duration_cast<Millis>(took).count()
            << " ms after SIGTERM, with Redis down\n";
}

TEST(HardeningTest, AProviderErrorEchoingTheKeyNeverLeaks) {
  const std::string key = "sk-leaktest" + std::to_string(::getpid()) + "Zq8Xw3";
  // A provider (or proxy) that fails every call and quotes the request's
  // Authorization header in its error message.
  ChildProcess mock({TMON_BINARY, "mock-llm", "--port", "0", "--error-rate", "1",
                     "--latency-median-ms", "5", "--echo-authorization"});
  const auto base_url = mock.wait_for_stdout(std::regex(R"((http://\S+))"), 20s);
  ASSERT_TRUE(base_url) << mock.stderr_text();

  testing::TempDir dir;
  dir.write("pipeline.yaml", kFastPipeline);
  dir.write("kafka.yaml", "consumer:\n  fetch_wait_max_ms: 10\n");
  // Failed calls must end as error results carrying the provider's text,
  // not be answered by the rule-based fallback.
  dir.write("api_keys.yaml", "scheduler:\n  rule_fallback: false\n");
  std::string error;
  auto broker = testing::start_tmon_broker(TMON_BINARY, dir.str(), {}, &error);
  ASSERT_TRUE(broker) << error;
  testing::TestRedis redis;
  auto client = redis_client(redis.url());
  ChildProcess up({TMON_BINARY, "up", "--config-dir", dir.str(), "--api-port", "0"},
                  {{"TMON_REDIS_URL", redis.url()},
                   {"TMON_KAFKA_BOOTSTRAP_SERVERS", broker->bootstrap},
                   {"TMON_LLM_BASE_URL", *base_url},
                   {"DASHSCOPE_API_KEY", key},
                   {"TMON_LOG_LEVEL", "debug"}});
  const auto api = up.wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 60s);
  ASSERT_TRUE(api) << up.stderr_text();
  const int port = std::stoi(*api);

  // Error results reach Kafka; read them as a consumer of the topic would.
  config::KafkaConfig kafka;
  kafka.bootstrap_servers = broker->bootstrap;
  kafka.consumer.fetch_wait_max_ms = 10;
  auto consumer =
      bus::Consumer::create(kafka, {"leak-reader", {"risk-assessment-results"}, "leak-reader"});
  ASSERT_TRUE(consumer) << consumer.error().message;
  std::string results;
  int errors_seen = 0;
  const auto give_up = std::chrono::steady_clock::now() + 120s;
  while (errors_seen < 3 && std::chrono::steady_clock::now() < give_up) {
    if (auto message = (*consumer)->poll(Millis(100))) {
      results += message->value + "\n";
      if (message->value.find("\"status\":\"error\"") != std::string::npos) ++errors_seen;
    }
  }
  ASSERT_GE(errors_seen, 3) << up.stderr_text();
  // The echo arrived and was scrubbed, not merely absent.
  EXPECT_NE(results.find("Authorization: Bearer ***"), std::string::npos) << results;
  EXPECT_EQ(results.find(key), std::string::npos) << "key in Kafka";
  ASSERT_TRUE(
      eventually([&] { return dump_redis(*client).find("\"error\"") != std::string::npos; }, 60s));
  EXPECT_EQ(dump_redis(*client).find(key), std::string::npos) << "key in Redis";
  std::string api_text;
  for (const char* target : {"/api/cameras", "/api/scheduler/stats", "/api/scheduler/health",
                             "/api/health/health_check", "/metrics"}) {
    api_text += testing::http_get(port, target).body;
  }
  for (const char* camera : {"cam-01", "cam-02", "cam-03", "cam-04"}) {
    api_text += testing::http_get(port, std::string("/api/cameras/") + camera + "/latest").body;
  }
  EXPECT_EQ(api_text.find(key), std::string::npos) << "key in the API";
  up.signal(SIGTERM);
  ASSERT_TRUE(up.wait(60s));
  EXPECT_EQ(up.stdout_text().find(key), std::string::npos) << "key on stdout";
  EXPECT_EQ(up.stderr_text().find(key), std::string::npos) << "key in the log";
  // The provider did echo it: the test would have caught a leak.
  EXPECT_NE(key.size(), 0u);
}

}  // namespace
}  // namespace tmon
