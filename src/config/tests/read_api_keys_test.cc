// api_keys.yaml: llm, accounts, api_keys and scheduler.

#include <gtest/gtest.h>

#include "config/load.h"
#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::options_for;
using testing::TempConfigDir;

class ApiKeysFileTest : public ::testing::Test {
 protected:
  Result<LoadedConfig> load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
    dir_.write("api_keys.yaml", yaml);
    return load_config(options_for(dir_, std::move(env)));
  }
  std::string error_of(const std::string& yaml) {
    auto loaded = load(yaml);
    if (loaded) return "<loaded>";
    EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
    return loaded.error().message;
  }
  std::string file() const { return dir_.file("api_keys.yaml"); }

  TempConfigDir dir_;
};

TEST_F(ApiKeysFileTest, ReadsEverySection) {
  auto loaded = load(R"(
llm:
  base_url: http://127.0.0.1:8000/v1
  model: qwen-vl-max
  max_tokens: 512
  temperature: 0.3
  system_prompt: be brief
accounts:
  - name: team-a
    qps_limit: 2.5
    rpm_limit: 100
    tpm_limit: 50000
api_keys:
  - id: k1
    key: sk-0123456789abcdef
    account: team-a
    enabled: true
    weight: 2
    qps_limit: 1
    rpm_limit: 60
    tpm_limit: 0
scheduler:
  max_concurrent_tasks: 8
  key_cooldown_seconds: 30
  retry_max_attempts: 5
  timeout_seconds: 12.5
  adaptive_cooldown: false
  min_cooldown: 1
  max_cooldown: 10
  queue_size: 50
)");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  const Config& c = *loaded->config;
  EXPECT_EQ(c.llm.base_url, "http://127.0.0.1:8000/v1");
  EXPECT_EQ(c.llm.model, "qwen-vl-max");
  EXPECT_EQ(c.llm.max_tokens, 512);
  EXPECT_EQ(c.llm.temperature, 0.3);
  EXPECT_EQ(c.llm.system_prompt, "be brief");
  ASSERT_EQ(c.accounts.size(), 1u);
  EXPECT_EQ(c.accounts[0].name, "team-a");
  EXPECT_EQ(c.accounts[0].qps_limit, 2.5);
  EXPECT_EQ(c.accounts[0].rpm_limit, 100);
  EXPECT_EQ(c.accounts[0].tpm_limit, 50000);
  ASSERT_EQ(c.api_keys.size(), 1u);
  const ApiKeyConfig& k = c.api_keys[0];
  EXPECT_EQ(k.id, "k1");
  EXPECT_EQ(k.key, "sk-0123456789abcdef");
  EXPECT_EQ(k.account, "team-a");
  EXPECT_TRUE(k.enabled);
  EXPECT_EQ(k.weight, 2);
  EXPECT_EQ(k.qps_limit, 1);
  EXPECT_EQ(k.rpm_limit, 60);
  EXPECT_EQ(c.scheduler.max_concurrent_tasks, 8);
  EXPECT_EQ(c.scheduler.key_cooldown_seconds, 30);
  EXPECT_EQ(c.scheduler.retry_max_attempts, 5);
  EXPECT_EQ(c.scheduler.timeout_seconds, 12.5);
  EXPECT_FALSE(c.scheduler.adaptive_cooldown);
  EXPECT_EQ(c.scheduler.min_cooldown, 1);
  EXPECT_EQ(c.scheduler.max_cooldown, 10);
  EXPECT_EQ(c.scheduler.queue_size, 50);
}

TEST_F(ApiKeysFileTest, KeyFieldsDefaultWhenOmitted) {
  auto loaded = load("api_keys:\n  - id: k1\n    key: sk-x\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const ApiKeyConfig& k = loaded->config->api_keys.at(0);
  EXPECT_EQ(k.account, "");
  EXPECT_TRUE(k.enabled);
  EXPECT_EQ(k.weight, 1.0);
  EXPECT_EQ(k.qps_limit, 5);
  EXPECT_EQ(k.rpm_limit, 300);
  EXPECT_EQ(k.tpm_limit, 0);
  EXPECT_TRUE(loaded->config->accounts.empty());  // no account named: none implied
}

TEST_F(ApiKeysFileTest, EnvReferencesFeedNumbersAndSecrets) {
  auto loaded = load(
      "api_keys:\n  - id: k1\n    key: ${DASHSCOPE_API_KEY}\n    qps_limit: ${QPS:-10}\n"
      "scheduler:\n  queue_size: ${QUEUE:-20}\n",
      {{"DASHSCOPE_API_KEY", "sk-from-env-123456"}, {"QUEUE", "30"}});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->config->api_keys.at(0).key, "sk-from-env-123456");
  EXPECT_EQ(loaded->config->api_keys.at(0).qps_limit, 10);
  EXPECT_EQ(loaded->config->scheduler.queue_size, 30);
}

TEST_F(ApiKeysFileTest, KeyWithUnsetEnvIsKeptDisabledWithAWarningNamingItsId) {
  auto loaded = load("api_keys:\n  - id: primary\n    key: ${DASHSCOPE_API_KEY}\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->config->api_keys.size(), 1u);
  EXPECT_FALSE(loaded->config->api_keys[0].enabled);
  ASSERT_EQ(loaded->warnings.size(), 1u);
  const Diagnostic& w = loaded->warnings[0];
  EXPECT_EQ(w.file, file());
  EXPECT_EQ(w.line, 3);
  EXPECT_EQ(w.key, "api_keys[0].key");
  EXPECT_NE(w.message.find("\"primary\""), std::string::npos) << w.message;
}

TEST_F(ApiKeysFileTest, ExplicitlyDisabledEmptyKeyNeedsNoWarning) {
  auto loaded = load("api_keys:\n  - id: spare\n    enabled: false\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  EXPECT_FALSE(loaded->config->api_keys.at(0).enabled);
}

TEST_F(ApiKeysFileTest, UnknownKeyInsideAnApiKeyIsReported) {
  auto loaded = load("api_keys:\n  - id: k1\n    key: sk-x\n    qps_limt: 3\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_EQ(loaded->warnings[0].to_string(),
            file() + ":4: api_keys[0].qps_limt: unknown key (did you mean \"qps_limit\"?)");
}

TEST_F(ApiKeysFileTest, RejectsNonPositiveQpsLimit) {
  EXPECT_EQ(error_of("api_keys:\n  - id: k1\n    key: sk\n    qps_limit: 0\n"),
            file() + ":4: api_keys[0].qps_limit: expected a number > 0, got \"0\"");
}

TEST_F(ApiKeysFileTest, RejectsNonPositiveRpmLimit) {
  EXPECT_EQ(error_of("accounts:\n  - name: a\n    rpm_limit: -5\n"),
            file() + ":3: accounts[0].rpm_limit: expected an integer >= 1, got \"-5\"");
}

TEST_F(ApiKeysFileTest, RejectsStringWhereNumberExpected) {
  EXPECT_EQ(error_of("scheduler:\n  timeout_seconds: soon\n"),
            file() + ":2: scheduler.timeout_seconds: expected a number > 0, got \"soon\"");
}

TEST_F(ApiKeysFileTest, RejectsMapWhereListExpected) {
  EXPECT_EQ(error_of("api_keys:\n  id: k1\n"), file() + ":1: api_keys: expected a list");
}

TEST_F(ApiKeysFileTest, RejectsSchedulerValuesOutOfRange) {
  EXPECT_EQ(error_of("scheduler:\n  max_concurrent_tasks: 0\n"),
            file() + ":2: scheduler.max_concurrent_tasks: expected an integer >= 1, got \"0\"");
  EXPECT_EQ(error_of("scheduler:\n  queue_size: 0\n"),
            file() + ":2: scheduler.queue_size: expected an integer >= 1, got \"0\"");
  EXPECT_EQ(error_of("scheduler:\n  retry_max_attempts: 0\n"),
            file() + ":2: scheduler.retry_max_attempts: expected an integer >= 1, got \"0\"");
  EXPECT_EQ(error_of("scheduler:\n  timeout_seconds: 0\n"),
            file() + ":2: scheduler.timeout_seconds: expected a number > 0, got \"0\"");
  EXPECT_EQ(error_of("scheduler:\n  adaptive_cooldown: sometimes\n"),
            file() + ":2: scheduler.adaptive_cooldown: expected true or false, got \"sometimes\"");
}

TEST_F(ApiKeysFileTest, MinCooldownAboveMaxIsReportedOnMaxCooldown) {
  EXPECT_EQ(
      error_of("scheduler:\n  max_cooldown: 10\n  min_cooldown: 20\n"),
      file() + ":2: scheduler.max_cooldown: expected a number >= min_cooldown (20), got \"10\"");
}

TEST_F(ApiKeysFileTest, DuplicateKeyIdIsReportedOnTheSecond) {
  EXPECT_EQ(error_of("api_keys:\n  - id: k1\n    key: a\n  - id: k1\n    key: b\n"),
            file() + ":4: api_keys[1].id: expected an id not used by api_keys[0], got \"k1\"");
}

TEST_F(ApiKeysFileTest, KeyWithoutIdIsAnError) {
  EXPECT_EQ(error_of("api_keys:\n  - key: sk-abc\n"),
            file() + ":2: api_keys[0].id: expected a key id (logs show it instead of the key)");
}

TEST_F(ApiKeysFileTest, DuplicateAccountNameIsReportedOnTheSecond) {
  EXPECT_EQ(error_of("accounts:\n  - name: a\n  - name: a\n"),
            file() + ":3: accounts[1].name: expected a name not used by accounts[0], got \"a\"");
}

TEST_F(ApiKeysFileTest, AccountWithoutNameIsAnError) {
  EXPECT_EQ(error_of("accounts:\n  - qps_limit: 1\n"),
            file() + ":2: accounts[0].name: expected an account name");
}

TEST_F(ApiKeysFileTest, UnlistedAccountIsCreatedFromTheKeyLimits) {
  auto loaded = load(
      "api_keys:\n"
      "  - {id: k1, key: a, account: shared, qps_limit: 2, rpm_limit: 90, tpm_limit: 1000}\n"
      "  - {id: k2, key: b, account: shared, qps_limit: 2, rpm_limit: 90, tpm_limit: 1000}\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->config->accounts.size(), 1u);
  const AccountConfig& a = loaded->config->accounts[0];
  EXPECT_EQ(a.name, "shared");
  EXPECT_EQ(a.qps_limit, 2);
  EXPECT_EQ(a.rpm_limit, 90);
  EXPECT_EQ(a.tpm_limit, 1000);
}

TEST_F(ApiKeysFileTest, UnlistedAccountWithConflictingLimitsIsAnErrorOnTheSecondKey) {
  const std::string message = error_of(
      "api_keys:\n"
      "  - {id: k1, key: a, account: shared, qps_limit: 2}\n"
      "  - {id: k2, key: b, account: shared, qps_limit: 3}\n");
  EXPECT_EQ(message.rfind(file() + ":3: api_keys[1].account: expected the qps_limit, rpm_limit "
                                   "and tpm_limit of api_keys[0]",
                          0),
            0u)
      << message;
}

TEST_F(ApiKeysFileTest, KeysOfAListedAccountMayDifferInLimits) {
  auto loaded = load(
      "api_keys:\n"
      "  - {id: k1, key: a, account: shared, qps_limit: 2}\n"
      "  - {id: k2, key: b, account: shared, qps_limit: 3}\n"
      "accounts:\n"
      "  - {name: shared, qps_limit: 10}\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->config->accounts.size(), 1u);
  EXPECT_EQ(loaded->config->accounts[0].qps_limit, 10);
  EXPECT_EQ(loaded->config->api_keys[1].qps_limit, 3);  // kept, though pacing uses the account
}

TEST_F(ApiKeysFileTest, RejectsTemperatureProvidersRefuse) {
  EXPECT_EQ(error_of("llm:\n  temperature: 3\n"),
            file() + ":2: llm.temperature: expected a number 0..2, got \"3\"");
}

}  // namespace
}  // namespace tmon::config

namespace tmon::config {
namespace {

class RateLimitSectionTest : public ::testing::Test {
 protected:
  Result<LoadedConfig> load(const std::string& yaml) {
    dir_.write("api_keys.yaml", yaml);
    return load_config(testing::options_for(dir_, {}));
  }
  testing::TempConfigDir dir_;
};

TEST_F(RateLimitSectionTest, ReadsTheSharedBackend) {
  auto loaded = load(
      "rate_limit:\n  backend: redis\n  redis_url: redis://10.0.0.2:6379/1\n"
      "  expected_instances: 3\n  window_margin_ms: 30\n  redis_timeout_ms: 100\n"
      "  probe_interval_seconds: 2.5\n");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& l = loaded->config->rate_limit;
  EXPECT_EQ(l.backend, "redis");
  EXPECT_EQ(l.redis_url, "redis://10.0.0.2:6379/1");
  EXPECT_EQ(l.expected_instances, 3);
  EXPECT_EQ(l.window_margin_ms, 30);
  EXPECT_EQ(l.redis_timeout_ms, 100);
  EXPECT_DOUBLE_EQ(l.probe_interval_seconds, 2.5);
}

TEST_F(RateLimitSectionTest, RejectsAnUnknownBackend) {
  auto loaded = load("rate_limit:\n  backend: memcached\n");
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("api_keys.yaml:2: rate_limit.backend: expected"),
            std::string::npos)
      << loaded.error().message;
}

TEST_F(RateLimitSectionTest, RejectsZeroInstances) {
  EXPECT_FALSE(load("rate_limit:\n  expected_instances: 0\n"));
}

}  // namespace
}  // namespace tmon::config
