// `tmon config check` as a user runs it: exit codes, file:line errors, masking.
#include <gtest/gtest.h>

#include "child_process.h"
#include "temp_dir.h"

namespace tmon {
namespace {

using testing::ChildProcess;

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

CliRun config_check(const testing::TempDir& dir, std::vector<std::string> extra = {},
                    std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv{TMON_BINARY, "config", "check", "--config-dir", dir.str()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  ChildProcess process(argv, env);
  const auto code = process.wait(std::chrono::seconds(30));
  return {code.value_or(-1), process.stdout_text(), process.stderr_text()};
}

TEST(ConfigCliTest, MissingFilesMeanDefaults) {
  testing::TempDir dir;
  const CliRun run = config_check(dir);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("bootstrap_servers: embedded"), std::string::npos);
}

TEST(ConfigCliTest, WrongTypeFailsWithFileLineAndKey) {
  testing::TempDir dir;
  dir.write("api_keys.yaml", "scheduler:\n  max_concurrent_tasks: lots\n");
  const CliRun run = config_check(dir);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find(dir.str() + "/api_keys.yaml:2: scheduler.max_concurrent_tasks: expected"),
            std::string::npos)
      << run.err;
}

TEST(ConfigCliTest, UnknownKeyWarnsAndFailsUnderStrict) {
  testing::TempDir dir;
  dir.write("api_keys.yaml", "schedular:\n  queue_size: 5\n");
  const CliRun lenient = config_check(dir);
  EXPECT_EQ(lenient.exit_code, 0);
  EXPECT_NE(lenient.err.find("api_keys.yaml:1: schedular: unknown key"), std::string::npos)
      << lenient.err;
  EXPECT_EQ(config_check(dir, {"--strict"}).exit_code, 2);
}

TEST(ConfigCliTest, KeysAreMaskedInTheEffectiveConfig) {
  testing::TempDir dir;
  dir.write("api_keys.yaml",
            "api_keys:\n  - id: main\n    key: ${MY_TEST_KEY}\n    qps_limit: 2\n");
  const std::string secret = "sk-test-0123456789abcdef";
  const CliRun run = config_check(dir, {}, {{"MY_TEST_KEY", secret}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find(secret), std::string::npos);
  EXPECT_EQ(run.err.find(secret), std::string::npos);
  EXPECT_NE(run.out.find("***cdef"), std::string::npos) << run.out;
}

TEST(ConfigCliTest, CameraPasswordsAreMaskedInTheEffectiveConfig) {
  testing::TempDir dir;
  dir.write(
      "pipeline.yaml",
      "cameras:\n  - id: gate\n    url: rtsp://admin:pa/ss-9f3k@10.0.0.7:554/live?token=tk-77x1\n");
  const CliRun run = config_check(dir);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  for (const std::string secret : {"pa/ss-9f3k", "tk-77x1"}) {
    EXPECT_EQ(run.out.find(secret), std::string::npos) << run.out;
    EXPECT_EQ(run.err.find(secret), std::string::npos) << run.err;
  }
  EXPECT_NE(run.out.find("rtsp://***@10.0.0.7:554/live?token=***"), std::string::npos) << run.out;
}

TEST(ConfigCliTest, EnvironmentOverridesWin) {
  testing::TempDir dir;
  const CliRun run = config_check(dir, {}, {{"TMON_KAFKA_BOOTSTRAP_SERVERS", "10.0.0.1:9092"}});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("bootstrap_servers: 10.0.0.1:9092"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace tmon
