#include "tmon_broker.h"

#include <regex>

namespace tmon::testing {

std::optional<TmonBroker> start_tmon_broker(const std::string& tmon_binary,
                                            const std::string& config_dir,
                                            const std::vector<std::string>& extra_args,
                                            std::string* error) {
  std::vector<std::string> argv{tmon_binary, "broker", "--config-dir", config_dir};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  TmonBroker broker{std::make_unique<ChildProcess>(argv), ""};
  const auto bootstrap = broker.process->wait_for_stdout(
      std::regex(R"(^(127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*)$)"), std::chrono::seconds(15));
  if (!bootstrap) {
    if (error) *error = broker.process->stderr_text();
    return std::nullopt;
  }
  broker.bootstrap = *bootstrap;
  return broker;
}

}  // namespace tmon::testing
