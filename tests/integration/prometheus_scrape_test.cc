// A real Prometheus server (Debian's `prometheus`) scrapes a running
// `tmon up`; queries through Prometheus's own HTTP API see the LLM calls and
// the consumer lag, so what tmon exports is what Prometheus stores.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "child_process.h"
#include "http_get.h"
#include "listening_port.h"
#include "redis_server.h"
#include "temp_dir.h"

namespace tmon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;

// Runs an instant query; the result vector, or an empty array.
json query(int prometheus_port, const std::string& promql) {
  std::string encoded;
  for (const char c : promql) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      encoded += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      encoded += hex;
    }
  }
  const auto reply = testing::http_get(prometheus_port, "/api/v1/query?query=" + encoded);
  const json body = json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || !body.is_object() || body.value("status", "") != "success") {
    return json::array();
  }
  return body["data"]["result"];
}

TEST(PrometheusScrapeTest, PrometheusSeesLlmCallsAndConsumerLag) {
  testing::TestRedis redis;
  testing::TempDir dir;
  dir.write("config/pipeline.yaml",
            "cameras:\n"
            "  - {id: prom-cam-1, url: \"sim://?seed=21&density=0.9\", frame_interval_seconds: 1}\n"
            "  - {id: prom-cam-2, url: \"sim://?seed=22&density=0.9\", frame_interval_seconds: 1}\n"
            "redis:\n  url: " +
                redis.url() + "\n");
  dir.write("config/kafka.yaml",
            "bootstrap_servers: embedded\nconsumer:\n  fetch_wait_max_ms: 10\n");
  // Port 0: the API binds a free port and tells it on stdout.
  ChildProcess up({TMON_BINARY, "up", "--config-dir", dir.str() + "/config", "--duration", "60",
                   "--api-port", "0"},
                  {{"DASHSCOPE_API_KEY", ""}, {"TMON_REDIS_URL", redis.url()}});
  const auto api = up.wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 15s);
  ASSERT_TRUE(api) << up.stderr_text();
  const int api_port = std::stoi(*api);

  dir.write("prometheus.yml",
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            "  - job_name: tmon\n"
            "    static_configs:\n"
            "      - targets: ['127.0.0.1:" +
                std::to_string(api_port) + "']\n");
  // Port 0 too; Prometheus does not print the port it got in a stable form,
  // so it is read from the OS (its own listening socket).
  ChildProcess prometheus({"prometheus", "--config.file=" + dir.str() + "/prometheus.yml",
                           "--storage.tsdb.path=" + dir.str() + "/tsdb",
                           "--web.listen-address=127.0.0.1:0"});
  const auto listening = testing::listening_port_of(prometheus.pid(), 20s);
  ASSERT_TRUE(listening) << prometheus.stderr_text().substr(0, 2000);
  const int prometheus_port = *listening;

  // Results come after the consumer groups form and the mock LLM answers;
  // Prometheus scrapes every second.
  json calls = json::array();
  json lag = json::array();
  const auto give_up = std::chrono::steady_clock::now() + 50s;
  while (std::chrono::steady_clock::now() < give_up && (calls.empty() || lag.empty())) {
    std::this_thread::sleep_for(1s);
    calls = query(prometheus_port, "sum(llm_calls_total) > 0");
    lag = query(prometheus_port, "kafka_consumer_lag");
  }
  ASSERT_FALSE(calls.empty()) << "Prometheus has no llm_calls_total > 0\n"
                              << prometheus.stderr_text().substr(0, 2000);
  EXPECT_GT(std::stod(calls[0]["value"][1].get<std::string>()), 0);
  ASSERT_FALSE(lag.empty()) << "Prometheus has no kafka_consumer_lag";
  std::set<std::string> topics;
  for (const auto& series : lag) {
    EXPECT_TRUE(series["metric"].contains("partition"));
    EXPECT_TRUE(series["metric"].contains("group"));
    topics.insert(series["metric"].value("topic", ""));
  }
  EXPECT_TRUE(topics.contains("detection-results")) << lag.dump();
  // Prometheus sees the target as healthy.
  const auto up_series = query(prometheus_port, "up{job=\"tmon\"}");
  ASSERT_EQ(up_series.size(), 1u);
  EXPECT_EQ(up_series[0]["value"][1], "1");
}

}  // namespace
}  // namespace tmon
