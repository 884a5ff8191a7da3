// `tmon keys verify` as an operator runs it, against `tmon mock-llm` as the
// provider: keys checked one by one, and with --limits the limits the
// provider states printed as an api_keys.yaml snippet.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>

#include "child_process.h"
#include "temp_dir.h"

namespace tmon {
namespace {

using testing::ChildProcess;

constexpr const char* kAccounts = R"(
accounts:
  - name: acct-a
    qps_limit: 10
    rpm_limit: 600
    tpm_limit: 100000
    models:
      - {model: qwen-vl-max, qps_limit: 2, rpm_limit: 120, tpm_limit: 50000}
api_keys:
  - {id: key-a, key: sk-test-key-aaaaaaaaaaaa, account: acct-a}
  - {id: key-b, key: sk-test-key-bbbbbbbbbbbb, account: acct-a}
)";

class KeysCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    provider_dir_.write("api_keys.yaml", std::string("llm:\n  model: qwen-vl-plus\n") + kAccounts);
    mock_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        TMON_BINARY, "mock-llm", "--config-dir", provider_dir_.str(), "--latency-median-ms", "1"});
    const auto url =
        mock_->wait_for_stdout(std::regex("^(http://\\S+)$"), std::chrono::seconds(20));
    ASSERT_TRUE(url) << mock_->stderr_text();
    base_url_ = *url;
  }
  void TearDown() override {
    if (mock_) mock_->signal(SIGTERM);
  }

  std::pair<int, std::string> verify(const std::string& llm_extra, std::vector<std::string> flags) {
    testing::TempDir dir;
    dir.write("api_keys.yaml", "llm:\n  base_url: " + base_url_ + "\n  model: qwen-vl-plus\n" +
                                   llm_extra + kAccounts);
    std::vector<std::string> argv{TMON_BINARY, "keys", "verify", "--config-dir", dir.str()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    ChildProcess run(argv);
    const auto code = run.wait(std::chrono::seconds(30));
    return {code.value_or(-1), run.stdout_text() + run.stderr_text()};
  }

  testing::TempDir provider_dir_;
  std::unique_ptr<ChildProcess> mock_;
  std::string base_url_;
};

TEST_F(KeysCliTest, EveryKeyIsCheckedAndNoSecretIsPrinted) {
  const auto [code, out] = verify("", {});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("key-a"), std::string::npos) << out;
  EXPECT_NE(out.find("key-b"), std::string::npos) << out;
  EXPECT_EQ(out.find("sk-test-key-aaaaaaaaaaaa"), std::string::npos) << out;
  EXPECT_EQ(out.find("accounts:"), std::string::npos) << out;  // no --limits
}

TEST_F(KeysCliTest, LimitsArePrintedPerAccountAndModelAsAConfigSnippet) {
  const auto [code, out] = verify("  fallback_models: [qwen-vl-max]\n", {"--limits"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("  - name: acct-a\n    qps_limit: 10\n    rpm_limit: 600\n"
                     "    tpm_limit: 100000\n    models:\n"),
            std::string::npos)
      << out;
  EXPECT_NE(
      out.find("      - {model: qwen-vl-max, qps_limit: 2, rpm_limit: 120, tpm_limit: 50000}"),
      std::string::npos)
      << out;
}

}  // namespace
}  // namespace tmon
