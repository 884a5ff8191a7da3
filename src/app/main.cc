// tmon: one binary, one subcommand per component (DESIGN.md §1).
#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "app/exit_codes.h"
#include "common/fd_limit.h"
#include "common/version.h"

int main(int argc, char** argv) {
  tmon::raise_file_descriptor_limit();
  CLI::App app{"tmon: real-time traffic-camera risk monitoring"};
  app.set_version_flag("--version", tmon::kVersion);
  app.require_subcommand(1);
  int exit_code = tmon::app::kExitOk;
  tmon::app::add_pipeline_commands(app, exit_code);
  tmon::app::add_broker_command(app, exit_code);
  tmon::app::add_mock_llm_command(app, exit_code);
  tmon::app::add_topics_command(app, exit_code);
  tmon::app::add_config_command(app, exit_code);
  tmon::app::add_keys_command(app, exit_code);
  tmon::app::add_bench_command(app, exit_code);
  tmon::app::add_alerts_command(app, exit_code);
  tmon::app::add_e2e_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : tmon::app::kExitConfig;
  }
  return exit_code;
}
