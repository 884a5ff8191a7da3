// Stage processes without the API (`tmon generate`, `tmon aggregate`,
// `tmon schedule`) serve /metrics on a port of their own, against a
// `tmon broker` and a real redis-server.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "child_process.h"
#include "http_get.h"
#include "listening_port.h"
#include "redis_server.h"
#include "temp_dir.h"
#include "tmon_broker.h"

namespace tmon {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;

class StageMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("kafka.yaml",
               "consumer:\n  fetch_wait_max_ms: 10\n  session_timeout_ms: 6000\n"
               "  heartbeat_interval_ms: 1000\n");
    std::string error;
    broker_ = testing::start_tmon_broker(TMON_BINARY, dir_.str(), {}, &error);
    ASSERT_TRUE(broker_) << error;
    env_ = {{"TMON_KAFKA_BOOTSTRAP_SERVERS", broker_->bootstrap},
            {"TMON_REDIS_URL", redis_.url()},
            {"DASHSCOPE_API_KEY", ""}};
  }

  // Starts `command` and sets *port to the /metrics port it reports on
  // stdout (with --metrics-port 0, whichever port it was given).
  std::unique_ptr<ChildProcess> start(const std::string& command,
                                      std::vector<std::string> extra = {}, int* port = nullptr,
                                      bool expect_start = true) {
    std::vector<std::string> args{TMON_BINARY, command,      "--config-dir",
                                  dir_.str(),  "--duration", "60"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto process = std::make_unique<ChildProcess>(args, env_);
    const auto reported =
        process->wait_for_stdout(std::regex(R"(Metrics: http://127\.0\.0\.1:(\d+)/metrics)"), 20s);
    if (expect_start) {
      EXPECT_TRUE(reported) << command << ": " << process->stderr_text();
    }
    if (port) *port = reported ? std::stoi(*reported) : 0;
    return process;
  }

  // /metrics of the process on `port` once it holds `needle` (or the last
  // scrape after 20 s).
  static std::string scrape_until(int port, const std::string& needle) {
    std::string body;
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < give_up) {
      const auto reply = testing::http_get(port, "/metrics");
      if (reply.status == 200) {
        body = reply.body;
        if (body.find(needle) != std::string::npos) break;
      }
      std::this_thread::sleep_for(200ms);
    }
    return body;
  }

  testing::TempDir dir_;
  testing::TestRedis redis_;
  std::optional<testing::TmonBroker> broker_;
  std::map<std::string, std::string> env_;
};

TEST_F(StageMetricsTest, GenerateServesMetricsOnItsMetricsPort) {
  int port = 0;
  auto generate = start("generate", {"--metrics-port", "0"}, &port);
  const std::string body =
      scrape_until(port, "kafka_consumer_lag{group=\"tmon-generate\",partition=\"");
  EXPECT_NE(body.find("kafka_consumer_lag{group=\"tmon-generate\",partition=\"0\","
                      "topic=\"detection-results\"} 0"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("# TYPE kafka_messages_consumed_total counter"), std::string::npos) << body;
  // Prometheus adds `instance` per target; our series never carry one.
  EXPECT_EQ(body.find("instance="), std::string::npos) << body;
}

TEST_F(StageMetricsTest, AggregateServesMetricsOnItsDefaultPort) {
  // Default: monitoring.metrics.port_base + 2 for an aggregator. A port set
  // in config cannot be port 0: try candidates until one binds (the process
  // reports its metrics port only once it listens, and exits when the bind
  // fails).
  int port = 0;
  int candidate = 0;
  std::unique_ptr<ChildProcess> aggregate;
  for (int attempt = 0; attempt < 5 && (port == 0 || port != candidate); ++attempt) {
    candidate = testing::candidate_port();
    dir_.write("monitoring.yaml",
               "metrics:\n  port_base: " + std::to_string(candidate - 2) + "\n");
    aggregate = start("aggregate", {}, &port, /*expect_start=*/false);
  }
  ASSERT_EQ(port, candidate) << aggregate->stderr_text();
  const std::string body =
      scrape_until(port, "kafka_consumer_lag{group=\"tmon-aggregate\",partition=\"");
  EXPECT_NE(body.find("topic=\"risk-assessment-results\"}"), std::string::npos) << body;
  EXPECT_NE(body.find("# TYPE aggregate_pending_frames gauge"), std::string::npos) << body;
}

TEST_F(StageMetricsTest, ScheduleServesMetricsBesideItsOperatorEndpoints) {
  int port = 0;
  // No key configured: the built-in mock's keys mock-1..3.
  auto schedule = start("schedule", {"--ops-port", "0"}, &port);
  const std::string body = scrape_until(port, "api_key_status{");
  EXPECT_NE(body.find("api_key_status{account=\"mock-1\",key_id=\"mock-1\"} 1"), std::string::npos)
      << body;
  EXPECT_NE(body.find("scheduler_queue_depth 0"), std::string::npos) << body;
  EXPECT_NE(body.find("rate_limiter_fallback_active 0"), std::string::npos) << body;
  EXPECT_EQ(testing::http_get(port, "/api/scheduler/stats").status, 200);
}

}  // namespace
}  // namespace tmon
