// monitoring.yaml: logging, metrics, alerts.

#include <gtest/gtest.h>

#include "config/load.h"
#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::options_for;
using testing::TempConfigDir;

class MonitoringFileTest : public ::testing::Test {
 protected:
  Result<LoadedConfig> load(const std::string& yaml) {
    dir_.write("monitoring.yaml", yaml);
    return load_config(options_for(dir_));
  }
  std::string error_of(const std::string& yaml) {
    auto loaded = load(yaml);
    return loaded ? "<loaded>" : loaded.error().message;
  }
  std::string file() const { return dir_.file("monitoring.yaml"); }

  TempConfigDir dir_;
};

TEST_F(MonitoringFileTest, ReadsEverySection) {
  auto loaded = load(R"(
logging: {level: debug, json: true, file: /tmp/tmon.log}
metrics: {enabled: false, host: 0.0.0.0, port_base: 9200}
alerts:
  latency_p95_seconds: 2.5
  error_rate: 0.1
  consumer_lag: 50
  key_failure_rate: 0.5
  min_available_keys: 2
  dead_letters_per_minute: 0
)");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  const MonitoringConfig& m = loaded->config->monitoring;
  EXPECT_EQ(m.logging.level, "debug");
  EXPECT_TRUE(m.logging.json);
  EXPECT_EQ(m.logging.file, "/tmp/tmon.log");
  EXPECT_FALSE(m.metrics.enabled);
  EXPECT_EQ(m.metrics.host, "0.0.0.0");
  EXPECT_EQ(m.metrics.port_base, 9200);
  EXPECT_EQ(m.alerts.latency_p95_seconds, 2.5);
  EXPECT_EQ(m.alerts.error_rate, 0.1);
  EXPECT_EQ(m.alerts.consumer_lag, 50);
  EXPECT_EQ(m.alerts.key_failure_rate, 0.5);
  EXPECT_EQ(m.alerts.min_available_keys, 2);
  EXPECT_EQ(m.alerts.dead_letters_per_minute, 0);
}

TEST_F(MonitoringFileTest, RejectsUnknownLogLevel) {
  EXPECT_EQ(error_of("logging:\n  level: verbose\n"),
            file() +
                ":2: logging.level: expected one of trace, debug, info, warn, warning, "
                "error, critical, off, got \"verbose\"");
}

TEST_F(MonitoringFileTest, RejectsPortOutsideRange) {
  EXPECT_EQ(error_of("metrics:\n  port_base: 70000\n"),
            file() + ":2: metrics.port_base: expected a port 0..65535, got \"70000\"");
}

TEST_F(MonitoringFileTest, RejectsRateAboveOne) {
  EXPECT_EQ(error_of("alerts:\n  error_rate: 5\n"),
            file() + ":2: alerts.error_rate: expected a number 0..1, got \"5\"");
}

}  // namespace
}  // namespace tmon::config
