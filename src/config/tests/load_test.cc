// File-level behaviour of load_config: missing and empty files, syntax
// errors, unknown keys and the shipped config/ directory.

#include "config/load.h"

#include <gtest/gtest.h>

#include "config/sections.h"
#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::options_for;
using testing::TempConfigDir;

TEST(LoadConfigTest, MissingDirectoryMeansDefaults) {
  LoadOptions options;
  options.config_dir = "/nonexistent/tmon-config";
  options.env = testing::fake_env();
  auto loaded = load_config(options);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  const Config& c = *loaded->config;
  EXPECT_EQ(c.config_dir, "/nonexistent/tmon-config");
  EXPECT_EQ(c.llm.model, "qwen-vl-plus");
  EXPECT_EQ(c.scheduler.max_concurrent_tasks, 64);
  EXPECT_EQ(c.kafka.bootstrap_servers, "embedded");
  EXPECT_EQ(c.kafka.consumer.fetch_wait_max_ms, 100);
  EXPECT_EQ(c.monitoring.logging.level, "info");
  EXPECT_EQ(c.pipeline.cameras.size(), 4u);
  EXPECT_TRUE(c.api_keys.empty());
}

TEST(LoadConfigTest, EmptyAndCommentOnlyFilesMeanDefaults) {
  TempConfigDir dir;
  dir.write("api_keys.yaml", "");
  dir.write("kafka.yaml", "# nothing here\n\n   # still nothing\n");
  dir.write("monitoring.yaml", "---\n");
  dir.write("pipeline.yaml", "# comment\n");
  auto loaded = load_config(options_for(dir));
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  EXPECT_EQ(loaded->config->kafka.topics.dead_letter.partitions, 4);
  EXPECT_EQ(loaded->config->pipeline.cameras.size(), 4u);
}

TEST(LoadConfigTest, ConfigDirIsTheRequestedDirectory) {
  TempConfigDir dir;
  auto loaded = load_config(options_for(dir));
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->config->config_dir, dir.dir());
}

TEST(LoadConfigTest, SyntaxErrorNamesFileAndLine) {
  TempConfigDir dir;
  dir.write("kafka.yaml", "bootstrap_servers: embedded\nproducer:\n  acks: [all\n");
  auto loaded = load_config(options_for(dir));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(loaded.error().message.rfind(dir.file("kafka.yaml") + ":", 0), 0u)
      << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("end of sequence flow not found"), std::string::npos)
      << loaded.error().message;
}

TEST(LoadConfigTest, SyntaxErrorWithoutKeyHasFileLineAndYamlMessage) {
  TempConfigDir dir;
  dir.write("monitoring.yaml", "logging:\n  level: info\nalerts: a: b\n");
  auto loaded = load_config(options_for(dir));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message, dir.file("monitoring.yaml") + ":3: illegal map value");
}

TEST(LoadConfigTest, TopLevelListIsAnError) {
  TempConfigDir dir;
  dir.write("pipeline.yaml", "- a\n- b\n");
  auto loaded = load_config(options_for(dir));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message, dir.file("pipeline.yaml") + ":1: expected a map of settings");
}

TEST(LoadConfigTest, UnknownTopLevelKeyIsAWarningWithFileAndLine) {
  TempConfigDir dir;
  dir.write("api_keys.yaml", "llm:\n  model: m\nschedular:\n  queue_size: 5\n");
  auto loaded = load_config(options_for(dir));
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_EQ(loaded->warnings[0].to_string(),
            dir.file("api_keys.yaml") + ":3: schedular: unknown key (did you mean \"scheduler\"?)");
  EXPECT_EQ(loaded->config->scheduler.queue_size, 1000);
}

TEST(LoadConfigTest, StrictModeMakesUnknownKeysErrors) {
  TempConfigDir dir;
  dir.write("monitoring.yaml", "logging:\n  levl: debug\n");
  auto options = options_for(dir);
  options.strict = true;
  auto loaded = load_config(options);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(loaded.error().message, dir.file("monitoring.yaml") +
                                        ":2: logging.levl: unknown key (did you mean \"level\"?)");
}

TEST(LoadConfigTest, WarningsFromSeveralFilesAreAllReturned) {
  TempConfigDir dir;
  dir.write("kafka.yaml", "consumer:\n  group_id: x\n");
  dir.write("pipeline.yaml", "api:\n  prot: 1\n");
  auto loaded = load_config(options_for(dir));
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->warnings.size(), 2u);
  EXPECT_EQ(loaded->warnings[0].file, dir.file("kafka.yaml"));
  EXPECT_EQ(loaded->warnings[0].key, "consumer.group_id");
  EXPECT_EQ(loaded->warnings[1].file, dir.file("pipeline.yaml"));
  EXPECT_EQ(loaded->warnings[1].key, "api.prot");
}

TEST(LoadConfigTest, UnreadableFileIsAnIoError) {
  TempConfigDir dir;
  std::filesystem::create_directory(std::filesystem::path(dir.dir()) / "kafka.yaml");
  auto loaded = load_config(options_for(dir));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kIo);
  EXPECT_NE(loaded.error().message.find(dir.file("kafka.yaml")), std::string::npos);
}

TEST(LoadConfigTest, TrailingSlashInConfigDirIsNotDoubled) {
  TempConfigDir dir;
  dir.write("kafka.yaml", "embedded_brokers: x\n");
  auto options = options_for(dir);
  options.config_dir = dir.dir() + "/";
  auto loaded = load_config(options);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message.rfind(dir.file("kafka.yaml") + ":1:", 0), 0u)
      << loaded.error().message;
}

TEST(LoadConfigTest, UnexpectedYamlFeaturesDoNotThrow) {
  TempConfigDir dir;
  dir.write("pipeline.yaml", "cameras: *undefined_anchor\n");
  dir.write("kafka.yaml", "? [complex, key]\n: value\n");
  EXPECT_NO_THROW({
    auto loaded = load_config(options_for(dir));
    EXPECT_FALSE(loaded);
  });
}

TEST(ShippedConfigTest, LoadsWithoutWarningsEvenWhenStrict) {
  LoadOptions options;
  options.config_dir = TMON_SOURCE_DIR "/config";
  options.env = testing::fake_env();
  options.strict = true;
  auto loaded = load_config(options);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  options.strict = false;
  loaded = load_config(options);
  ASSERT_TRUE(loaded) << loaded.error().message;
  for (const auto& w : loaded->warnings) ADD_FAILURE() << w.to_string();
}

TEST(ShippedConfigTest, HoldsTheDocumentedDefaults) {
  LoadOptions options;
  options.config_dir = TMON_SOURCE_DIR "/config";
  options.env = testing::fake_env();
  auto loaded = load_config(options);
  ASSERT_TRUE(loaded) << loaded.error().message;
  const Config& c = *loaded->config;
  const Config defaults;
  EXPECT_EQ(c.llm.base_url, defaults.llm.base_url);
  EXPECT_EQ(c.llm.model, "qwen-vl-plus");
  EXPECT_TRUE(c.accounts.empty());
  EXPECT_TRUE(c.api_keys.empty());
  EXPECT_EQ(c.scheduler.queue_size, defaults.scheduler.queue_size);
  EXPECT_EQ(c.kafka.bootstrap_servers, "embedded");
  // The shipped file tunes this for the embedded broker; the struct default stays 100.
  EXPECT_EQ(c.kafka.consumer.fetch_wait_max_ms, 5);
  EXPECT_EQ(c.kafka.topics.dead_letter.retention_ms,
            defaults.kafka.topics.dead_letter.retention_ms);
  EXPECT_EQ(c.monitoring.alerts.consumer_lag, defaults.monitoring.alerts.consumer_lag);
  ASSERT_EQ(c.pipeline.cameras.size(), 4u);
  EXPECT_EQ(c.pipeline.cameras[3].id, "cam-04");
  EXPECT_EQ(c.pipeline.cameras[3].url, "sim://?seed=4");
  EXPECT_EQ(c.pipeline.redis.url, "redis://127.0.0.1:6379/0");
  EXPECT_EQ(c.pipeline.api.host, "127.0.0.1");
  EXPECT_EQ(c.pipeline.api.port, 5000);
  EXPECT_EQ(c.pipeline.api.admin_token, "");
}

// The files document every key with its default; this keeps them honest when
// a default in config.h changes. fetch_wait_max_ms is the one deliberate
// difference, and the cameras are the defaults load_config supplies.
TEST(ShippedConfigTest, StatesExactlyTheStructDefaults) {
  LoadOptions options;
  options.config_dir = TMON_SOURCE_DIR "/config";
  options.env = testing::fake_env();
  auto loaded = load_config(options);
  ASSERT_TRUE(loaded) << loaded.error().message;
  Config expected;
  expected.config_dir = options.config_dir;
  expected.pipeline.cameras = default_cameras();
  expected.kafka.consumer.fetch_wait_max_ms = 5;
  EXPECT_EQ(render_effective_config(*loaded->config), render_effective_config(expected));
}

TEST(ShippedConfigTest, AdminTokenComesFromTheEnvironment) {
  LoadOptions options;
  options.config_dir = TMON_SOURCE_DIR "/config";
  options.env = testing::fake_env({{"TMON_ADMIN_TOKEN", "admin-secret-token"}});
  auto loaded = load_config(options);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->config->pipeline.api.admin_token, "admin-secret-token");
}

}  // namespace
}  // namespace tmon::config
