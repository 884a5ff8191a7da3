#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace tmon::app {

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
  std::optional<int> api_port;  // overrides pipeline.api.port
  // `tmon schedule` alone serves its operator endpoints here (0 = any free
  // port; default monitoring.metrics.port_base).
  std::optional<int> ops_port;
};

class PipelineParts;

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
  // "http://host:port" of the scheduler's operator endpoints when served alone.
  std::string ops_url() const;
  std::vector<std::string> camera_ids() const;
  // What the API reports under components.
  std::vector<api::ComponentHealth> health() const;

 private:
  Pipeline();
  std::unique_ptr<PipelineParts> parts_;
};

}  // namespace tmon::app
