#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace tmon::app {

// Each adds its subcommand(s) to the CLI. A subcommand's callback stores its
// process exit code in `exit_code`.
void add_pipeline_commands(CLI::App& app, int& exit_code);  // up, detect, generate, ...
void add_broker_command(CLI::App& app, int& exit_code);
void add_mock_llm_command(CLI::App& app, int& exit_code);
void add_topics_command(CLI::App& app, int& exit_code);
void add_config_command(CLI::App& app, int& exit_code);
void add_keys_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_alerts_command(CLI::App& app, int& exit_code);
void add_e2e_command(CLI::App& app, int& exit_code);  // e2e-test

// Adds --config-dir to a subcommand (every command accepts it).
void add_config_dir_option(CLI::App& command, std::string& config_dir);

}  // namespace tmon::app
