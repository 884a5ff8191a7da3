// `tmon topics init`: create the configured topics on a Kafka cluster.
#include <fmt/format.h>

#include <iostream>

#include "app/commands.h"
#include "app/config_loading.h"
#include "app/exit_codes.h"
#include "bus/topic_admin.h"
#include "common/logging.h"

namespace tmon::app {
namespace {

int run_topics_init(const std::string& config_dir) {
  const auto config = load_config_or_exit(config_dir);
  if (config->kafka.bootstrap_servers == "embedded") {
    std::cerr << "topics init needs a broker address: set kafka.bootstrap_servers in " << config_dir
              << "/kafka.yaml or TMON_KAFKA_BOOTSTRAP_SERVERS "
              << "(an embedded broker creates its topics itself)\n";
    return kExitConfig;
  }
  auto topics = bus::ensure_topics(config->kafka, Millis(15'000));
  if (!topics) {
    get_logger("app")->critical("topics init: {}", topics.error().message);
    return kExitFailure;
  }
  for (const auto& topic : *topics) {
    std::cout << fmt::format("{:<28} {:>3} partitions  {}\n", topic.name, topic.partitions,
                             topic.created ? "created" : "exists");
  }
  return kExitOk;
}

}  // namespace

void add_topics_command(CLI::App& app, int& exit_code) {
  static std::string config_dir = "config";
  CLI::App* topics = app.add_subcommand("topics", "Kafka topic administration");
  topics->require_subcommand(1);
  CLI::App* init = topics->add_subcommand(
      "init", "Create the configured topics (partitions, retention); idempotent");
  add_config_dir_option(*init, config_dir);
  init->callback([&exit_code] { exit_code = run_topics_init(config_dir); });
}

}  // namespace tmon::app
