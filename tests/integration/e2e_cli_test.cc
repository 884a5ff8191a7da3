// `tmon e2e-test` against real pipelines: it passes against `tmon up`, and
// fails, naming the scheduler, against stage processes without one.
#include <gtest/gtest.h>

#include <regex>

#include "child_process.h"
#include "redis_server.h"
#include "refusing_port.h"
#include "temp_dir.h"
#include "tmon_broker.h"

namespace tmon {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;

// The last non-empty line of a text.
std::string last_line(const std::string& text) {
  const size_t end = text.find_last_not_of('\n');
  if (end == std::string::npos) return "";
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// Kafka, Redis and the API on loopback; keys from the test's config only,
// so the scheduler uses the built-in mock LLM.
class E2eCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("pipeline.yaml", "cameras: []\nredis:\n  url: " + redis_.url() + "\n");
    dir_.write("kafka.yaml",
               "bootstrap_servers: embedded\nconsumer:\n  fetch_wait_max_ms: 10\n"
               "  session_timeout_ms: 6000\n  heartbeat_interval_ms: 1000\n");
  }

  std::unique_ptr<ChildProcess> e2e_test(std::vector<std::string> extra) {
    std::vector<std::string> args{TMON_BINARY,   "e2e-test",  "--config-dir", dir_.str(),
                                  "--camera-id", "e2e-probe", "--duration",   "6",
                                  "--interval",  "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(args, env_);
  }

  testing::TestRedis redis_{testing::TestRedis::Private{}};
  testing::TempDir dir_;
  const std::map<std::string, std::string> env_{{"DASHSCOPE_API_KEY", ""},
                                                {"TMON_REDIS_URL", redis_.url()}};
};

TEST_F(E2eCliTest, PassesAgainstTmonUpWithStageLatencies) {
  ChildProcess up(
      {TMON_BINARY, "up", "--config-dir", dir_.str(), "--api-port", "0", "--duration", "50"}, env_);
  const auto api = up.wait_for_stdout(std::regex(R"(API: (http://\S+))"), 15s);
  ASSERT_TRUE(api) << up.stderr_text();
  // `tmon up` names its embedded broker for tools that join from outside.
  const auto kafka = up.wait_for_stdout(std::regex(R"(^Kafka: (127\.0\.0\.1:\d+))"), 5s);
  EXPECT_TRUE(kafka) << up.stdout_text();

  // No --brokers: the config says embedded, so the address comes from the API.
  auto check = e2e_test({"--api-url", *api});
  const auto code = check->wait(45s);
  const std::string out = check->stdout_text();
  ASSERT_EQ(code, 0) << out << check->stderr_text() << up.stderr_text();
  EXPECT_EQ(last_line(out), "PASS") << out;
  EXPECT_NE(out.find("6 injected (of 6), 6 seen on detection-results"), std::string::npos) << out;
  EXPECT_NE(out.find(*kafka), std::string::npos) << "injected through the API's broker: " << out;
  EXPECT_NE(out.find("views from Redis"), std::string::npos) << out;
  // The frames show a near miss, which any task policy sends at once.
  EXPECT_NE(out.find("frames to a near miss"), std::string::npos) << out;
  for (const char* stage :
       {"inject -> on detection-results", "capture -> task created", "task created -> result",
        "LLM call", "last result -> stored", R"(capture -> stored \(total\))"}) {
    // Every stage measured at least once: a count, a p50 and a max.
    EXPECT_TRUE(
        std::regex_search(out, std::regex(std::string(stage) + R"(\s+[1-9]\d*\s+\d+\s+\d+)")))
        << stage << "\n"
        << out;
  }
  // The built-in mock's keys are "mock-<16 hex>": never printed.
  EXPECT_FALSE(std::regex_search(out + check->stderr_text(), std::regex("mock-[0-9a-f]{16}")));
  // Progress went to stderr while it waited.
  EXPECT_NE(check->stderr_text().find("e2e-test: subscribed"), std::string::npos);
}

TEST_F(E2eCliTest, FailsNamingTheSchedulerWhenNoneRuns) {
  std::string error;
  auto broker = testing::start_tmon_broker(TMON_BINARY, dir_.str(), {}, &error);
  ASSERT_TRUE(broker) << error;
  auto env = env_;
  env["TMON_KAFKA_BOOTSTRAP_SERVERS"] = broker->bootstrap;
  std::vector<std::unique_ptr<ChildProcess>> stages;
  for (const char* stage : {"generate", "aggregate"}) {
    stages.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{TMON_BINARY, stage, "--config-dir", dir_.str(), "--duration", "50",
                                 "--metrics-port", "0"},
        env));
    ASSERT_TRUE(stages.back()->wait_for_stdout(std::regex(R"(Metrics: (http://\S+))"), 20s))
        << stage << ": " << stages.back()->stderr_text();
  }

  // Nothing serves the API here: the broker and Redis are given.
  const testing::RefusingPort no_api;
  auto check = e2e_test({"--brokers", broker->bootstrap, "--redis-url", redis_.url(), "--api-url",
                         "http://127.0.0.1:" + std::to_string(no_api.port()), "--timeout", "8"});
  const auto code = check->wait(45s);
  const std::string out = check->stdout_text();
  ASSERT_EQ(code, 1) << out << check->stderr_text();
  const std::string verdict = last_line(out);
  EXPECT_EQ(verdict.rfind("FAIL: ", 0), 0u) << out;
  EXPECT_TRUE(std::regex_search(verdict, std::regex(R"(\d+ of \d+ tasks? got no result)"))) << out;
  EXPECT_NE(verdict.find("is the scheduler (`tmon schedule`) running?"), std::string::npos) << out;
  // Frames and tasks did flow: the verdict does not blame the earlier stages.
  EXPECT_NE(out.find("6 injected (of 6), 6 seen on detection-results"), std::string::npos) << out;
  EXPECT_EQ(verdict.find("tmon generate"), std::string::npos) << out;
  EXPECT_EQ(verdict.find("tmon aggregate"), std::string::npos) << out;
}

TEST_F(E2eCliTest, EmbeddedBrokerWithoutApiOrBrokersIsAUsageError) {
  const testing::RefusingPort no_api;
  auto check = e2e_test({"--api-url", "http://127.0.0.1:" + std::to_string(no_api.port())});
  EXPECT_EQ(check->wait(20s), 2) << check->stdout_text() << check->stderr_text();
  EXPECT_NE(check->stderr_text().find("the config says kafka: embedded; pass --brokers ADDR"),
            std::string::npos)
      << check->stderr_text();
}

}  // namespace
}  // namespace tmon
