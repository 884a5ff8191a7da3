// `tmon config check`: validate the config files and show the effective values.
#include <iostream>

#include "app/commands.h"
#include "app/config_loading.h"
#include "app/exit_codes.h"
#include "config/load.h"

namespace tmon::app {

void add_config_command(CLI::App& app, int& exit_code) {
  static std::string config_dir = "config";
  static bool strict = false;
  CLI::App* config = app.add_subcommand("config", "Configuration tools");
  config->require_subcommand(1);
  CLI::App* check = config->add_subcommand(
      "check", "Validate all config files and print the effective configuration, keys masked");
  add_config_dir_option(*check, config_dir);
  check->add_flag("--strict", strict, "Treat unknown keys as errors");
  check->callback([&exit_code] {
    const auto loaded = load_config_or_exit(config_dir, strict);
    std::cout << "# effective configuration from " << config_dir << " (API keys masked)\n"
              << config::render_effective_config(*loaded) << "\n";
    exit_code = kExitOk;
  });
}

}  // namespace tmon::app
