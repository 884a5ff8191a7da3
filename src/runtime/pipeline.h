#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace tmon::runtime {

// Which components this process runs. `tmon up` runs them all; `tmon
// generate`, `tmon schedule`, ... run one each, all wired the same way.
struct PipelineRoles {
  bool detect = false;
  bool generate = false;
  bool schedule = false;
  bool aggregate = false;
  bool api = false;
  // Without Redis, keep results in process memory (the one-command demo);
  // otherwise Redis is required, since separate processes must share it.
  bool allow_memory_store = false;
  std::string instance_id = "scheduler-1";
  // This process as a detect instance of the fleet (`tmon detect
  // --instance-id`); empty: hostname-pid.
  std::string detect_instance_id;
  std::optional<int> api_port;  // overrides pipeline.api.port
  // A process without the API role (`tmon generate`, `schedule`,
  // `aggregate`, or a mix of them) serves /metrics, and the scheduler's
  // operator endpoints when it schedules, on monitoring.metrics.host at this
  // port (--metrics-port, or --ops-port of `tmon schedule`; 0 = any free
  // port). Default: see default_metrics_port().
  std::optional<int> ops_port;
};

class PipelineParts;

// The metrics port of a process without the API when no flag names one:
// monitoring.metrics.port_base for a scheduler (as before), +1 for a
// generator, +2 for an aggregator (a mix takes the first that applies), so
// one of each can run on a host with the defaults. Further instances of a
// role on the same host need --metrics-port.
int default_metrics_port(const PipelineRoles& roles, int port_base);

// The running components of one process, started in dependency order and
// stopped in reverse: intake first, then each stage drains and commits.
class Pipeline {
 public:
  static Result<std::unique_ptr<Pipeline>> start(config::ConfigPtr config, PipelineRoles roles,
                                                 Clock& clock);
  ~Pipeline();
  void stop();  // idempotent

  // Re-reads the config (SIGHUP) and applies what can change while running:
  // API keys, account limits, cooldowns, LLM request settings. A bad file is
  // reported and the running config kept.
  void reload(config::ConfigPtr config);

  // "http://host:port" of the API, empty when this process serves none.
  std::string api_url() const;
  // "http://127.0.0.1:port/?token=<token>" when the admin token was
  // generated at start (none configured): shown once, on stdout, never
  // logged. Empty otherwise.
  std::string dashboard_url() const;
  // "http://host:port" of the metrics (and scheduler operator) endpoints of
  // a process without the API; empty otherwise.
  std::string ops_url() const;
  // The Kafka bootstrap address this process uses (the embedded broker's
  // when the config says `embedded`); empty when it uses no Kafka.
  std::string bootstrap_servers() const;
  std::vector<std::string> camera_ids() const;
  // What the API reports under components.
  std::vector<api::ComponentHealth> health() const;

 private:
  Pipeline();
  std::unique_ptr<PipelineParts> parts_;
};

}  // namespace tmon::runtime
