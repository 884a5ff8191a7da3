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

  // "http://host:port" of the API, empty when this process serves none.
  std::string api_url() const;
  std::vector<std::string> camera_ids() const;
  // What the API reports under components.
  std::vector<api::ComponentHealth> health() const;

 private:
  Pipeline();
  std::unique_ptr<PipelineParts> parts_;
};

}  // namespace tmon::app
