// `tmon e2e-test`: injects one camera's frames into a running pipeline and
// follows them through the three topics into the store; exit 0 only on pass.
#include <iostream>

#include "app/commands.h"
#include "app/config_loading.h"
#include "app/exit_codes.h"
#include "e2e/api_probe.h"
#include "e2e/e2e_check.h"

namespace tmon::app {
namespace {

struct E2eFlags {
  std::string config_dir = "config";
  std::string camera_id;
  double duration_seconds = 10;
  double interval_seconds = 1;
  std::string brokers;
  std::string redis_url;
  std::string api_url;
  double timeout_seconds = -1;  // < 0: from the config
};

// Long enough for a task to be assessed (or expire, or time out) and its
// frame stored, even partially: what the pipeline itself allows.
double default_timeout(const config::Config& config) {
  return config.pipeline.tasks.max_age_seconds + config.scheduler.timeout_seconds +
         config.pipeline.aggregation.partial_timeout_seconds + 5;
}

int run_e2e(const E2eFlags& flags) {
  const auto config = load_config_or_exit(flags.config_dir);
  e2e::E2eOptions options;
  options.camera_id = flags.camera_id;
  options.duration_seconds = flags.duration_seconds;
  options.interval_seconds = flags.interval_seconds;
  options.timeout_seconds =
      flags.timeout_seconds >= 0 ? flags.timeout_seconds : default_timeout(*config);
  options.kafka = config->kafka;
  options.detection = config->pipeline.detection;
  options.redis_url = flags.redis_url.empty() ? config->pipeline.redis.url : flags.redis_url;
  options.api_url = flags.api_url.empty()
                        ? "http://127.0.0.1:" + std::to_string(config->pipeline.api.port)
                        : flags.api_url;

  // The API says where the pipeline's broker is and whether its results go
  // to Redis; without it the config and flags must say.
  e2e::ApiClient api(options.api_url);
  const auto health = api.get("/api/health/health_check");
  const auto facts = health ? e2e::parse_health(*health) : e2e::HealthFacts{};
  options.views_via_api = facts.store_in_process;
  if (!flags.brokers.empty()) {
    options.kafka.bootstrap_servers = flags.brokers;
  } else if (options.kafka.bootstrap_servers == "embedded") {
    if (!facts.kafka_bootstrap) {
      std::cerr << "e2e-test: the config says kafka: embedded; pass --brokers ADDR (tmon up "
                   "prints it as 'Kafka: ...'); the API could not tell: "
                << (health ? "its health check names no kafka address" : health.error().message)
                << "\n";
      return kExitConfig;
    }
    options.kafka.bootstrap_servers = *facts.kafka_bootstrap;
  }

  const e2e::E2eReport report = e2e::run_e2e_check(options, std::cerr);
  e2e::print_report(report, std::cout);
  return report.passed() ? kExitOk : kExitFailure;
}

}  // namespace

void add_e2e_command(CLI::App& app, int& exit_code) {
  static E2eFlags flags;
  CLI::App* command = app.add_subcommand(
      "e2e-test",
      "Inject a camera's frames into a running pipeline and follow them through Kafka into "
      "the store; exit 0 only if every stage delivered");
  add_config_dir_option(*command, flags.config_dir);
  command->add_option("--camera-id", flags.camera_id, "Camera id the injected frames carry")
      ->required();
  command->add_option("--duration", flags.duration_seconds, "Seconds of injection")
      ->default_val(10)
      ->check(CLI::PositiveNumber);
  command->add_option("--interval", flags.interval_seconds, "Seconds between frames")
      ->default_val(1.0)
      ->check(CLI::PositiveNumber);
  command->add_option("--brokers", flags.brokers,
                      "Kafka bootstrap servers (default: kafka.bootstrap_servers; when that is "
                      "embedded, the address the API reports)");
  command->add_option("--redis-url", flags.redis_url,
                      "Redis the pipeline stores views in (default: pipeline.redis.url)");
  command->add_option("--api-url", flags.api_url,
                      "The pipeline's API (default: http://127.0.0.1:<pipeline.api.port>)");
  command
      ->add_option("--timeout", flags.timeout_seconds,
                   "Seconds to wait after the last frame (default: tasks.max_age_seconds + "
                   "scheduler.timeout_seconds + aggregation.partial_timeout_seconds + 5)")
      ->check(CLI::NonNegativeNumber);
  command->callback([&exit_code] { exit_code = run_e2e(flags); });
}

}  // namespace tmon::app
