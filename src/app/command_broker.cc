// `tmon broker`: librdkafka's mock cluster as a standalone development broker.
#include <iostream>

#include "app/commands.h"
#include "app/config_loading.h"
#include "app/exit_codes.h"
#include "bus/embedded_broker.h"
#include "bus/tcp_forwarder.h"
#include "common/logging.h"
#include "common/shutdown.h"

namespace tmon::app {
namespace {

struct BrokerFlags {
  std::string config_dir = "config";
  int brokers = 1;
  int port = 0;
};

int run_broker(const BrokerFlags& flags) {
  const auto config = load_config_or_exit(flags.config_dir);
  Shutdown shutdown;
  SignalWatcher signals(shutdown);
  auto broker = bus::EmbeddedBroker::start(flags.brokers, config->kafka.topics,
                                           {config::registry_topic(config->kafka)});
  if (!broker) {
    get_logger("app")->critical("broker: {}", broker.error().message);
    return kExitFailure;
  }
  std::string bootstrap = (*broker)->bootstrap_servers();
  std::unique_ptr<bus::TcpForwarder> forwarder;
  if (flags.port > 0) {
    // The mock listens on ephemeral ports; a fixed port needs a forwarder to it.
    const std::string first = bootstrap.substr(0, bootstrap.find(','));
    const size_t colon = first.rfind(':');
    auto started = bus::TcpForwarder::start("127.0.0.1", flags.port, first.substr(0, colon),
                                            std::stoi(first.substr(colon + 1)));
    if (!started) {
      get_logger("app")->critical("broker: {}", started.error().message);
      return kExitFailure;
    }
    forwarder = std::move(*started);
    bootstrap = "127.0.0.1:" + std::to_string(flags.port);
  }
  // The address is the first line of output, so scripts can read it.
  std::cout << bootstrap << std::endl;
  get_logger("app")->info(
      "embedded Kafka broker with {} broker(s) at {}: keeps data in memory only, for "
      "development, demos and tests; production points kafka.bootstrap_servers at a Kafka cluster",
      flags.brokers, bootstrap);
  shutdown.wait();
  return kExitOk;
}

}  // namespace

void add_broker_command(CLI::App& app, int& exit_code) {
  static BrokerFlags flags;
  CLI::App* command =
      app.add_subcommand("broker", "Run an embedded in-memory Kafka broker (development only)");
  add_config_dir_option(*command, flags.config_dir);
  command->add_option("--brokers", flags.brokers, "Number of brokers in the cluster")
      ->check(CLI::Range(1, 16));
  command
      ->add_option("--port", flags.port,
                   "Fixed loopback port for the bootstrap address (default: ephemeral)")
      ->check(CLI::Range(0, 65535));
  command->callback([&exit_code] { exit_code = run_broker(flags); });
}

}  // namespace tmon::app
