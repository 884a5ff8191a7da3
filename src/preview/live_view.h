#pragma once

#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "api/api_server.h"
#include "api/camera_control.h"
#include "api/remote_cameras.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "store/redis_client.h"

namespace tmon::preview {

struct LiveViewOptions {
  config::PreviewConfig preview;
  store::RedisAddress redis;
  Millis redis_timeout{2'000};
  // The cameras this process pulls (their previews go out while watched);
  // null: it pulls none.
  api::CameraControl* cameras = nullptr;
  // Whether this process serves /ws (it then watches cameras pulled elsewhere).
  bool serves_api = false;
};

// Live view of any camera from any API process, as one process takes part
// in it: publishing the previews of its own cameras while they are watched,
// and watching cameras pulled elsewhere for its /ws clients. Redis only: a
// process without Redis has all its cameras local. Needs one connection
// for commands and, when it serves the API, one for pub/sub.
class LiveView {
 public:
  static Result<std::unique_ptr<LiveView>> start(LiveViewOptions options,
                                                 prometheus::Registry& registry, Clock& clock);
  ~LiveView();  // stop()

  // What /ws watches cameras pulled elsewhere with; null without the API.
  api::RemoteCameras* remote();
  // Component "preview" of the health report: which cameras are watched
  // here and elsewhere; degraded while Redis refuses the lease calls.
  api::ComponentHealth health() const;
  // Stops publishing and watching, drops this process's leases. Idempotent.
  void stop();
  // This process in leases and announcements: host, pid and a random part.
  const std::string& id() const;

 private:
  struct Parts;
  LiveView();
  std::unique_ptr<Parts> parts_;
};

}  // namespace tmon::preview
