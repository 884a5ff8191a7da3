#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/live_feed.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "http/server.h"
#include "store/result_store.h"

namespace tmon::api {

// One line of the health report: a component and how it is doing.
struct ComponentHealth {
  std::string name;
  std::string status;  // "ok", "degraded" or "down"
  std::string detail;
  // Machine-readable facts beside the prose, e.g. kafka's "bootstrapServers"
  // (what `tmon e2e-test` connects to); added to the component's object.
  std::map<std::string, std::string> fields = {};
};
using HealthProbe = std::function<std::vector<ComponentHealth>()>;
// Adds more routes (another component's endpoints) to the API's router.
using RouteInstaller = std::function<void(http::Router&)>;

// Live push over Server-Sent Events.
struct LiveOptions {
  LiveFeed* feed = nullptr;  // null: no /api/stream
  // A ": keepalive" comment goes out when a stream was idle this long.
  Millis keepalive_interval{15'000};
};

// Bounds of the list endpoints' `limit`.
constexpr int kDefaultListLimit = 50;
constexpr int kMaxListLimit = 1000;

// The HTTP API in the original system's envelope: {code, msg, data}.
//   GET /api/health/health_check     service status and components
//   GET /api/cameras/{id}/latest     the camera's latest assessed view
//   GET /api/cameras/{id}/history?since=<epoch ms>&limit=<1..1000, 50>
//                                    its views with captureTs >= since, newest first
//   GET /api/alerts?cameraId=&level=<low|medium|high|critical>&limit=
//                                    recent alerts, newest first, of riskLevel >= level
//   GET /api/stream?cameraId=        Server-Sent Events: `event: detection_result`
//                                    for each new view (all cameras without cameraId)
// Errors are JSON with a 4xx/5xx code and a message: 400 for a bad query
// parameter, 503 when the result store cannot be reached.
class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> start(const config::ApiConfig& config,
                                                  store::ResultStorePtr store, HealthProbe health,
                                                  Clock& clock, RouteInstaller extra = {},
                                                  LiveOptions live = {});
  int port() const { return server_->port(); }
  void stop() { server_->stop(); }

 private:
  ApiServer() = default;
  std::unique_ptr<http::Server> server_;
};

// The routes alone, for tests that call them without a socket.
std::shared_ptr<http::Router> make_api_router(store::ResultStorePtr store, HealthProbe health,
                                              Clock& clock, RouteInstaller extra = {},
                                              LiveOptions live = {});

}  // namespace tmon::api
