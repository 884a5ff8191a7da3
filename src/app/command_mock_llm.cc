// `tmon mock-llm`: the DashScope-compatible mock provider as a server.
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
};

int run_mock_llm(MockLlmFlags flags) {
  const auto config = load_config_or_exit(flags.config_dir);
  // The keys tmon is configured with are the ones the mock accepts, each in
  // its account; with none configured it accepts any bearer key.
  for (const auto& key : config->api_keys) {
    if (key.enabled && !key.key.empty()) {
      flags.options.keys[key.key] = {key.id, key.account.empty() ? key.id : key.account};
    }
  }
  Shutdown shutdown;
  SignalWatcher signals(shutdown);
  auto server = mockllm::MockLlmServer::start(flags.options);
  if (!server) {
    get_logger("app")->critical("mock-llm: {}", server.error().message);
    return kExitFailure;
  }
  std::cout << (*server)->base_url() << std::endl;
  get_logger("app")->info(
      "mock LLM: POST {}/chat/completions, stats at GET /__stats; {} keys", (*server)->base_url(),
      flags.options.keys.empty() ? std::string("any bearer key accepted")
                                 : std::to_string(flags.options.keys.size()) + " configured");
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
  command->add_option("--host", o.host, "Listen address")->default_val("127.0.0.1");
  command->add_option("--port", o.port, "Listen port (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--threads", o.threads, "Server threads")->check(CLI::Range(1, 64));
  command
      ->add_option("--latency-median-ms", o.latency_median_ms, "Median reply latency (lognormal)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--latency-sigma", o.latency_sigma, "Sigma of ln(latency)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--seed", o.seed, "Random seed for latency draws");
  command->callback([&exit_code] { exit_code = run_mock_llm(flags); });
}

}  // namespace tmon::app
