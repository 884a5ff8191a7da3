// `tmon mock-llm`: the DashScope-compatible mock provider as a server.
#include <cmath>
#include <iostream>

#include "app/commands.h"
#include "app/config_loading.h"
#include "app/exit_codes.h"
#include "common/logging.h"
#include "common/shutdown.h"
#include "mockllm/mock_llm_server.h"

namespace tmon::app {
namespace {

struct MockLlmFlags {
  std::string config_dir = "config";
  mockllm::MockLlmOptions options;
  double account_qps = -1;  // overrides every account's limits when >= 0
  int account_rpm = -1;
  int64_t account_tpm = -1;
  int arrival_jitter_ms = 0;
  double key_qps = 0;  // optional per-key limits on top
  int key_rpm = 0;
  int retry_after = -1;
  double hang_seconds = 120;
  std::vector<std::string> revoked;    // key ids
  std::vector<std::string> exhausted;  // account names
};

// The provider the config describes: the keys tmon is configured with, each
// in its account with the account's limits (which flags may override, to
// test what happens when tmon's idea of the limits is wrong). With no keys
// configured, any bearer key is accepted.
void describe_provider(const config::Config& config, MockLlmFlags& flags) {
  auto& o = flags.options;
  for (const auto& account : config.accounts) {
    o.accounts[account.name].limits = {static_cast<int64_t>(std::floor(account.qps_limit)),
                                       account.rpm_limit, account.tpm_limit};
    for (const auto& model : account.models) {
      o.accounts[account.name + "/" + model.model].limits = {
          static_cast<int64_t>(std::floor(model.qps_limit)), model.rpm_limit, model.tpm_limit};
    }
  }
  o.primary_model = config.llm.model;
  for (const auto& model : config.llm.models) {
    o.token_rules[model.name] = {model.tokens_per_patch, model.patch_pixels, model.min_pixels,
                                 model.max_pixels};
  }
  for (const auto& key : config.api_keys) {
    if (key.key.empty()) continue;
    const std::string account = key.account.empty() ? key.id : key.account;
    if (key.account.empty()) {
      o.accounts[account].limits = {static_cast<int64_t>(std::floor(key.qps_limit)), key.rpm_limit,
                                    key.tpm_limit};
    }
    mockllm::MockKey mock_key;
    mock_key.name = key.id;
    mock_key.account = account;
    mock_key.limits = {static_cast<int64_t>(std::floor(flags.key_qps)), flags.key_rpm};
    mock_key.revoked =
        std::find(flags.revoked.begin(), flags.revoked.end(), key.id) != flags.revoked.end();
    o.keys[key.key] = mock_key;
  }
  for (auto& [name, account] : o.accounts) {
    if (flags.account_qps >= 0) account.limits.per_second = static_cast<int64_t>(flags.account_qps);
    if (flags.account_rpm >= 0) account.limits.per_minute = flags.account_rpm;
    if (flags.account_tpm >= 0) account.limits.tokens_per_minute = flags.account_tpm;
    account.quota_exhausted =
        std::find(flags.exhausted.begin(), flags.exhausted.end(), name) != flags.exhausted.end();
  }
  if (flags.retry_after >= 0) o.retry_after_seconds = flags.retry_after;
  o.hang_for = std::chrono::milliseconds(static_cast<int64_t>(flags.hang_seconds * 1000));
  o.arrival_jitter = std::chrono::milliseconds(flags.arrival_jitter_ms);
}

int run_mock_llm(MockLlmFlags flags) {
  const auto config = load_config_or_exit(flags.config_dir);
  describe_provider(*config, flags);
  Shutdown shutdown;
  SignalWatcher signals(shutdown);
  auto server = mockllm::MockLlmServer::start(flags.options);
  if (!server) {
    get_logger("app")->critical("mock-llm: {}", server.error().message);
    return kExitFailure;
  }
  // The base URL is the first line of output, so scripts can read it.
  std::cout << (*server)->base_url() << std::endl;
  get_logger("app")->info(
      "mock LLM: POST {}/chat/completions, stats at GET /__stats; {}", (*server)->base_url(),
      flags.options.keys.empty() ? std::string("any bearer key accepted")
                                 : std::to_string(flags.options.keys.size()) + " keys in " +
                                       std::to_string(flags.options.accounts.size()) + " accounts");
  shutdown.wait();
  return kExitOk;
}

}  // namespace

void add_mock_llm_command(CLI::App& app, int& exit_code) {
  static MockLlmFlags flags;
  CLI::App* command = app.add_subcommand(
      "mock-llm", "Serve a DashScope-compatible mock LLM for tests, demos and benchmarks");
  add_config_dir_option(*command, flags.config_dir);
  auto& o = flags.options;
  auto& f = o.faults;
  command->add_option("--host", o.host, "Listen address")->default_val("127.0.0.1");
  command->add_option("--port", o.port, "Listen port (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--threads", o.threads, "Server threads")->check(CLI::Range(1, 64));
  command
      ->add_option("--latency-median-ms", o.latency_median_ms, "Median reply latency (lognormal)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--latency-sigma", o.latency_sigma, "Sigma of ln(latency)")
      ->check(CLI::NonNegativeNumber);
  command
      ->add_option("--account-qps", flags.account_qps,
                   "Requests per second per account (default: from api_keys.yaml; 0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  command
      ->add_option("--account-rpm", flags.account_rpm,
                   "Requests per minute per account (default: from api_keys.yaml; 0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  command
      ->add_option("--account-tpm", flags.account_tpm,
                   "Tokens per minute per account (default: from api_keys.yaml; 0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  command
      ->add_option("--arrival-jitter-ms", flags.arrival_jitter_ms,
                   "Judge each request a random 0..N ms after it arrives (network jitter the "
                   "client cannot see)")
      ->check(CLI::Range(0, 10'000));
  command
      ->add_option("--burst-start", o.burst.start,
                   "limit_burst_rate: at most max(N, factor x the previous second) per second "
                   "(0 = off)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--burst-factor", o.burst.factor, "limit_burst_rate growth per second")
      ->check(CLI::PositiveNumber);
  command->add_option("--key-qps", flags.key_qps, "Per-key requests per second (0 = none)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--key-rpm", flags.key_rpm, "Per-key requests per minute (0 = none)")
      ->check(CLI::NonNegativeNumber);
  command
      ->add_option("--retry-after", flags.retry_after,
                   "Send Retry-After: N (seconds) with every 429")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--error-rate", f.server_error, "Fraction of calls answered 500")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--hang-rate", f.hang, "Fraction of calls that hang")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--hang-seconds", flags.hang_seconds, "How long a hang lasts")
      ->check(CLI::PositiveNumber);
  command->add_option("--fenced-rate", f.fenced, "Fraction of replies in a ``` fence")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--prose-rate", f.prose, "Fraction of replies wrapped in prose")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--malformed-rate", f.malformed, "Fraction of replies with broken JSON")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--revoke", flags.revoked, "Key id answered 401 (repeatable)");
  command->add_option("--exhaust", flags.exhausted,
                      "Account answered with the quota error (repeatable)");
  command->add_option("--seed", o.seed, "Random seed for latency and faults");
  command->add_flag("--echo-authorization", o.echo_authorization,
                    "Error answers quote the request's Authorization header (leak tests)");
  command->callback([&exit_code] { exit_code = run_mock_llm(flags); });
}

}  // namespace tmon::app
