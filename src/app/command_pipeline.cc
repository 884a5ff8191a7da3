// `tmon up` and the single-component commands: detect, generate, schedule,
// aggregate, api. They differ only in which parts of the pipeline they run.
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/commands.h"
#include "app/config_loading.h"
#include "app/exit_codes.h"
#include "runtime/pipeline.h"
#include "common/logging.h"
#include "common/shutdown.h"

namespace tmon::app {
using runtime::Pipeline;
using runtime::PipelineRoles;
namespace {

// Exits the process if a stop takes longer than the shutdown timeout.
class ShutdownWatchdog {
 public:
  explicit ShutdownWatchdog(Millis timeout)
      : thread_([this, timeout] {
          Clock& clock = SystemClock::instance();
          const SteadyTime deadline = clock.now() + timeout;
          std::unique_lock lock(mu_);
          while (!done_) {
            if (clock.wait_until(lock, cv_, deadline) && !done_) {
              get_logger("app")->error(
                  "still stopping after shutdown_timeout_seconds ({} s): exiting; unfinished "
                  "work is not committed and will be replayed",
                  timeout.count() / 1000.0);
              get_logger("app")->flush();
              std::_Exit(kExitFailure);
            }
          }
        }) {}
  ~ShutdownWatchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

struct PipelineFlags {
  std::string config_dir = "config";
  double duration_seconds = 0;
  int api_port = -1;
  int ops_port = -1;  // --ops-port (schedule) or --metrics-port: the same port
  std::string instance_id = "scheduler-1";
  std::string detect_instance_id;  // empty: hostname-pid
  std::string brokers;             // --brokers: kafka.bootstrap_servers
};

// The config with what the flags override in it.
config::ConfigPtr with_flags(config::ConfigPtr config, const PipelineFlags& flags) {
  if (!config || flags.brokers.empty()) return config;
  auto changed = std::make_shared<config::Config>(*config);
  changed->kafka.bootstrap_servers = flags.brokers;
  return changed;
}

int run_pipeline(const PipelineFlags& flags, PipelineRoles roles) {
  const auto config = with_flags(load_config_or_exit(flags.config_dir), flags);
  if (flags.api_port >= 0) roles.api_port = flags.api_port;
  if (flags.ops_port >= 0) roles.ops_port = flags.ops_port;
  roles.instance_id = flags.instance_id;
  roles.detect_instance_id = flags.detect_instance_id;
  // SIGHUP reloads into the running pipeline, once there is one.
  std::mutex running_mu;
  Pipeline* running = nullptr;
  const auto reload = [&] {
    std::lock_guard lock(running_mu);
    if (!running) return;
    if (auto fresh = with_flags(reload_config(flags.config_dir), flags)) {
      running->reload(std::move(fresh));
    }
  };
  // Before any thread exists, so every thread inherits the blocked signals.
  Shutdown shutdown;
  SignalWatcher signals(shutdown, reload);

  auto pipeline = Pipeline::start(config, roles, SystemClock::instance());
  if (!pipeline) {
    get_logger("app")->critical("cannot start: {}", pipeline.error().message);
    return kExitFailure;
  }
  {
    std::lock_guard lock(running_mu);
    running = pipeline->get();
  }
  const std::string api = (*pipeline)->api_url();
  // Tools that join the pipeline from outside (`tmon e2e-test --brokers`)
  // need the address, which an embedded broker picks at start.
  const std::string kafka = (*pipeline)->bootstrap_servers();
  if (!api.empty()) {
    // With a generated admin token the dashboard's address carries it: shown
    // here only (stdout, not the logs).
    const std::string with_token = (*pipeline)->dashboard_url();
    std::cout << "tmon is up. API: " << api << "\n"
              << "  dashboard: " << (with_token.empty() ? api + "/" : with_token) << "\n"
              << "  health:  curl " << api << "/api/health/health_check\n";
    for (const auto& camera : (*pipeline)->camera_ids()) {
      std::cout << "  camera:  curl " << api << "/api/cameras/" << camera << "/latest\n";
    }
    if (!kafka.empty()) std::cout << "Kafka: " << kafka << "\n";
    std::cout << "Stop with Ctrl-C." << std::endl;
  } else if (!kafka.empty()) {
    std::cout << "Kafka: " << kafka << std::endl;
  }
  if (const std::string ops = (*pipeline)->ops_url(); !ops.empty()) {
    std::cout << "Metrics: " << ops << "/metrics" << std::endl;
    if (roles.schedule) {
      std::cout << "Scheduler endpoints: " << ops << "/api/scheduler/stats" << std::endl;
    }
  }
  if (flags.duration_seconds > 0) {
    shutdown.wait_for(Millis(static_cast<int64_t>(flags.duration_seconds * 1000)));
  } else {
    shutdown.wait();
  }
  get_logger("app")->info("stopping");
  {
    std::lock_guard lock(running_mu);
    running = nullptr;
  }
  // The stages bound their own drains; this bounds everything else (a
  // library call stuck on a dead peer). What is not committed by then is
  // replayed by the next run: at-least-once holds.
  ShutdownWatchdog watchdog(
      Millis(static_cast<int64_t>(config->pipeline.shutdown_timeout_seconds * 1000)));
  (*pipeline)->stop();
  return kExitOk;
}

PipelineRoles roles_for(const std::string& command) {
  PipelineRoles roles;
  if (command == "up") {
    roles.detect = roles.generate = roles.schedule = roles.aggregate = roles.api = true;
    roles.allow_memory_store = true;
  }
  roles.detect |= command == "detect";
  roles.api |= command == "detect" || command == "api";
  roles.generate |= command == "generate";
  roles.schedule |= command == "schedule";
  roles.aggregate |= command == "aggregate";
  return roles;
}

CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& description,
                      PipelineFlags& flags, bool with_api_port) {
  CLI::App* command = app.add_subcommand(name, description);
  add_config_dir_option(*command, flags.config_dir);
  command
      ->add_option("--duration", flags.duration_seconds,
                   "Stop by itself after this many seconds (default: run until signalled)")
      ->check(CLI::NonNegativeNumber);
  if (with_api_port) {
    command
        ->add_option("--api-port", flags.api_port,
                     "HTTP API port (default: pipeline.api.port; 0 = any free port)")
        ->check(CLI::Range(0, 65535));
  }
  return command;
}

}  // namespace

void add_config_dir_option(CLI::App& command, std::string& config_dir) {
  command.add_option("--config-dir", config_dir, "Directory of the YAML config files")
      ->default_val("config");
}

void add_pipeline_commands(CLI::App& app, int& exit_code) {
  static PipelineFlags flags;  // outlives parsing; one subcommand runs per process
  struct Spec {
    const char* name;
    const char* description;
    bool api_port;
  };
  const Spec specs[] = {
      {"up", "Run the whole pipeline in one process (embedded defaults)", true},
      {"detect", "Sample cameras and publish detection-results; also serve the HTTP API", true},
      {"generate", "detection-results -> assessment-tasks", false},
      {"schedule", "assessment-tasks -> LLM -> risk-assessment-results", false},
      {"aggregate", "risk-assessment-results -> Redis", false},
      {"api", "Serve the HTTP API alone", true},
  };
  for (const auto& spec : specs) {
    CLI::App* command = add_command(app, spec.name, spec.description, flags, spec.api_port);
    const std::string name = spec.name;
    // Processes without the API serve /metrics on a port of their own.
    CLI::Option* metrics_port = nullptr;
    if (name == "generate" || name == "schedule" || name == "aggregate") {
      const int offset = name == "schedule" ? 0 : name == "generate" ? 1 : 2;
      metrics_port =
          command
              ->add_option("--metrics-port", flags.ops_port,
                           "Port of /metrics" +
                               std::string(name == "schedule" ? " and /api/scheduler/*" : "") +
                               " (default: monitoring.metrics.port_base" +
                               (offset ? " + " + std::to_string(offset) : std::string()) +
                               "; 0 = any free port)")
              ->check(CLI::Range(0, 65535));
    }
    {
      command->add_option("--brokers", flags.brokers,
                          "Kafka bootstrap servers (overrides kafka.bootstrap_servers; the "
                          "address `tmon broker` prints, or a cluster's)");
    }
    if (name == "detect") {
      command->add_option("--instance-id", flags.detect_instance_id,
                          "Name of this detect instance in the tmon-detect group, the camera "
                          "status and metrics (default: hostname-pid)");
    }
    if (name == "schedule") {
      command->add_option("--instance-id", flags.instance_id,
                          "Name of this scheduler instance (in results, logs and stats)");
      command
          ->add_option("--ops-port", flags.ops_port,
                       "Same as --metrics-port: port of the /api/scheduler endpoints and "
                       "/metrics (default: monitoring.metrics.port_base; 0 = any free port)")
          ->check(CLI::Range(0, 65535))
          ->excludes(metrics_port);
    }
    command->callback([&exit_code, name = std::string(spec.name)] {
      exit_code = run_pipeline(flags, roles_for(name));
    });
  }
}

}  // namespace tmon::app
