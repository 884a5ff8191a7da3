#pragma once

#include <string>

#include "config/config.h"

namespace tmon::app {

// Loads the configuration for a command, prints its warnings, configures
// logging from it, and returns it; on a config error prints
// "config error: file:line: key: ..." and exits with kExitConfig.
config::ConfigPtr load_config_or_exit(const std::string& config_dir, bool strict = false);

}  // namespace tmon::app
