#include "config/env_overrides.h"

#include <gtest/gtest.h>

#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::fake_env;

TEST(EnvOverridesTest, OverridesEndpointsAndSecrets) {
  Config c;
  ASSERT_TRUE(apply_env_overrides(fake_env({{"TMON_KAFKA_BOOTSTRAP_SERVERS", "k:9092"},
                                            {"TMON_REDIS_URL", "redis://r:6379/2"},
                                            {"TMON_LLM_BASE_URL", "http://127.0.0.1:9/v1"},
                                            {"TMON_LLM_MODEL", "mock"},
                                            {"TMON_ADMIN_TOKEN", "tok"},
                                            {"TMON_API_PORT", "8080"},
                                            {"TMON_LOG_LEVEL", "debug"}}),
                                  c));
  EXPECT_EQ(c.kafka.bootstrap_servers, "k:9092");
  EXPECT_EQ(c.pipeline.redis.url, "redis://r:6379/2");
  EXPECT_EQ(c.llm.base_url, "http://127.0.0.1:9/v1");
  EXPECT_EQ(c.llm.model, "mock");
  EXPECT_EQ(c.pipeline.api.admin_token, "tok");
  EXPECT_EQ(c.pipeline.api.port, 8080);
  EXPECT_EQ(c.monitoring.logging.level, "debug");
}

TEST(EnvOverridesTest, CorsOriginsAreACommaSeparatedList) {
  Config c;
  // No other origin is trusted unless configured (issue 13: the original's "*" let any page act).
  EXPECT_TRUE(c.pipeline.api.allowed_origins.empty());
  // The original's variable is honoured; tmon's wins when both are set.
  ASSERT_TRUE(apply_env_overrides(
      fake_env({{"ALGO_CORS_ORIGINS", "http://a.example, http://b.example:8080"}}), c));
  EXPECT_EQ(c.pipeline.api.allowed_origins,
            (std::vector<std::string>{"http://a.example", "http://b.example:8080"}));
  ASSERT_TRUE(apply_env_overrides(
      fake_env({{"ALGO_CORS_ORIGINS", "http://a.example"}, {"TMON_CORS_ORIGINS", "http://c"}}), c));
  EXPECT_EQ(c.pipeline.api.allowed_origins, std::vector<std::string>{"http://c"});
  const auto bad = apply_env_overrides(fake_env({{"TMON_CORS_ORIGINS", " , "}}), c);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "env TMON_CORS_ORIGINS: expected comma-separated origins, got \" , \"");
}

TEST(EnvOverridesTest, UnsetOrEmptyVariablesLeaveValues) {
  Config c;
  c.pipeline.redis.url = "redis://file";
  ASSERT_TRUE(apply_env_overrides(fake_env({{"TMON_REDIS_URL", ""}, {"TMON_API_PORT", ""}}), c));
  EXPECT_EQ(c.pipeline.redis.url, "redis://file");
  EXPECT_EQ(c.pipeline.api.port, 5000);
}

TEST(EnvOverridesTest, BadPortNamesTheVariable) {
  Config c;
  auto status = apply_env_overrides(fake_env({{"TMON_API_PORT", "x"}}), c);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message, "env TMON_API_PORT: expected a port 0..65535, got \"x\"");
  status = apply_env_overrides(fake_env({{"TMON_API_PORT", "70000"}}), c);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "env TMON_API_PORT: expected a port 0..65535, got \"70000\"");
}

TEST(EnvOverridesTest, BadLogLevelNamesTheVariable) {
  Config c;
  auto status = apply_env_overrides(fake_env({{"TMON_LOG_LEVEL", "loud"}}), c);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message.rfind("env TMON_LOG_LEVEL: expected one of trace, ", 0), 0u)
      << status.error().message;
  EXPECT_NE(status.error().message.find("got \"loud\""), std::string::npos);
}

TEST(EnvOverridesTest, DashscopeKeyDefinesAKeyWhenNoneConfigured) {
  Config c;
  ASSERT_TRUE(apply_env_overrides(fake_env({{"DASHSCOPE_API_KEY", "sk-env-0123456789"}}), c));
  ASSERT_EQ(c.api_keys.size(), 1u);
  const ApiKeyConfig defaults;
  EXPECT_EQ(c.api_keys[0].id, "dashscope");
  EXPECT_EQ(c.api_keys[0].key, "sk-env-0123456789");
  EXPECT_TRUE(c.api_keys[0].enabled);
  EXPECT_EQ(c.api_keys[0].qps_limit, defaults.qps_limit);
  EXPECT_EQ(c.api_keys[0].rpm_limit, defaults.rpm_limit);
}

TEST(EnvOverridesTest, DashscopeKeyIsIgnoredWhenKeysAreConfigured) {
  Config c;
  ApiKeyConfig mine;
  mine.id = "mine";
  mine.enabled = false;
  c.api_keys.push_back(mine);
  ASSERT_TRUE(apply_env_overrides(fake_env({{"DASHSCOPE_API_KEY", "sk-env-0123456789"}}), c));
  ASSERT_EQ(c.api_keys.size(), 1u);
  EXPECT_EQ(c.api_keys[0].id, "mine");
}

TEST(EnvOverridesTest, EmptyDashscopeKeyDefinesNothing) {
  Config c;
  ASSERT_TRUE(apply_env_overrides(fake_env({{"DASHSCOPE_API_KEY", ""}}), c));
  EXPECT_TRUE(c.api_keys.empty());
}

TEST(EnvOverridesTest, LoadConfigAppliesOverridesAfterTheFiles) {
  testing::TempConfigDir dir;
  dir.write("kafka.yaml", "bootstrap_servers: from-file:9092\n");
  dir.write("pipeline.yaml", "api:\n  port: 6000\n");
  auto loaded = load_config(testing::options_for(
      dir, {{"TMON_KAFKA_BOOTSTRAP_SERVERS", "from-env:9092"}, {"TMON_API_PORT", "7000"}}));
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->config->kafka.bootstrap_servers, "from-env:9092");
  EXPECT_EQ(loaded->config->pipeline.api.port, 7000);
}

TEST(EnvOverridesTest, LoadConfigReportsBadOverride) {
  testing::TempConfigDir dir;
  auto loaded = load_config(testing::options_for(dir, {{"TMON_API_PORT", "x"}}));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(loaded.error().message, "env TMON_API_PORT: expected a port 0..65535, got \"x\"");
}

}  // namespace
}  // namespace tmon::config
