#include "app/config_loading.h"

#include <cstdlib>
#include <iostream>

#include "app/exit_codes.h"
#include "common/logging.h"
#include "config/load.h"

namespace tmon::app {

config::ConfigPtr load_config_or_exit(const std::string& config_dir, bool strict) {
  config::LoadOptions options;
  options.config_dir = config_dir;
  options.strict = strict;
  auto loaded = config::load_config(options);
  if (!loaded) {
    std::cerr << "config error: " << loaded.error().message << "\n";
    std::exit(kExitConfig);
  }
  const auto& logging = loaded->config->monitoring.logging;
  configure_logging({logging.level, logging.json, logging.file});
  for (const auto& warning : loaded->warnings) {
    get_logger("config")->warn("{}", warning.to_string());
  }
  return loaded->config;
}

config::ConfigPtr reload_config(const std::string& config_dir) {
  config::LoadOptions options;
  options.config_dir = config_dir;
  auto loaded = config::load_config(options);
  if (!loaded) {
    get_logger("config")->error("reload refused, keeping the running config: {}",
                                loaded.error().message);
    return nullptr;
  }
  for (const auto& warning : loaded->warnings) {
    get_logger("config")->warn("{}", warning.to_string());
  }
  return loaded->config;
}

}  // namespace tmon::app
