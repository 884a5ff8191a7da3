#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

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
};
using HealthProbe = std::function<std::vector<ComponentHealth>()>;
// Adds more routes (another component's endpoints) to the API's router.
using RouteInstaller = std::function<void(http::Router&)>;

// The HTTP API in the original system's envelope: {code, msg, data}.
//   GET /api/health/health_check     service status and components
//   GET /api/cameras/{id}/latest     the camera's latest assessed view
// Errors are JSON with a 4xx/5xx code and a message.
class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> start(const config::ApiConfig& config,
                                                  store::ResultStorePtr store, HealthProbe health,
                                                  Clock& clock, RouteInstaller extra = {});
  int port() const { return server_->port(); }
  void stop() { server_->stop(); }

 private:
  ApiServer() = default;
  std::unique_ptr<http::Server> server_;
};

// The routes alone, for tests that call them without a socket.
std::shared_ptr<http::Router> make_api_router(store::ResultStorePtr store, HealthProbe health,
                                              Clock& clock, RouteInstaller extra = {});

}  // namespace tmon::api
