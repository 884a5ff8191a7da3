#pragma once

#include <string>

#include "config/config.h"

namespace tmon::app {

// Loads the configuration for a command, prints its warnings, configures
// logging from it, and returns it; on a config error prints
// "config error: file:line: key: ..." and exits with kExitConfig.
config::ConfigPtr load_config_or_exit(const std::string& config_dir, bool strict = false);

// Loads the configuration again (SIGHUP); on an error logs it and returns
// null, so the caller keeps the configuration it runs with.
config::ConfigPtr reload_config(const std::string& config_dir);

}  // namespace tmon::app
