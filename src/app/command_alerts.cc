// `tmon alerts render`: Prometheus alerting rules from the thresholds in
// monitoring.yaml (deploy/alerts.yml is its output for the shipped config).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/commands.h"
#include "app/config_loading.h"
#include "app/exit_codes.h"
#include "metrics/alert_rules.h"

namespace tmon::app {
namespace {

int run_alerts_render(const std::string& config_dir, const std::string& output) {
  const auto config = load_config_or_exit(config_dir);
  const std::string rules =
      metrics::render_rule_file(metrics::alert_rules(config->monitoring.alerts));
  if (output.empty() || output == "-") {
    std::cout << rules << std::flush;
    return std::cout ? kExitOk : kExitFailure;
  }
  // Write beside the target and rename, so Prometheus (which may reload the
  // file at any moment) never reads half a rule file.
  const std::string temp = output + ".tmp";
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    file << rules;
    file.close();
    if (!file) {
      std::cerr << "alerts render: cannot write " << temp << "\n";
      std::remove(temp.c_str());
      return kExitFailure;
    }
  }
  if (std::rename(temp.c_str(), output.c_str()) != 0) {
    std::cerr << "alerts render: cannot replace " << output << "\n";
    std::remove(temp.c_str());
    return kExitFailure;
  }
  std::cerr << "alerts render: wrote " << output << "\n";
  return kExitOk;
}

}  // namespace

void add_alerts_command(CLI::App& app, int& exit_code) {
  static std::string config_dir = "config";
  static std::string output;
  CLI::App* alerts = app.add_subcommand("alerts", "Prometheus alerting rules");
  alerts->require_subcommand(1);
  CLI::App* render = alerts->add_subcommand(
      "render", "Print (or write) Prometheus alert rules from the monitoring.yaml thresholds");
  add_config_dir_option(*render, config_dir);
  render->add_option("--output", output, "Write the rules to this file instead of stdout");
  render->callback([&exit_code] { exit_code = run_alerts_render(config_dir, output); });
}

}  // namespace tmon::app
