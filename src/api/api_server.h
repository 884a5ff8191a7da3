#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/alert_acks.h"
#include "api/live_feed.h"
#include "api/stats_routes.h"
#include "common/clock.h"
#include "common/health.h"
#include "common/result.h"
#include "config/config.h"
#include "http/server.h"
#include "messages/codec.h"
#include "store/result_store.h"

namespace tmon::api {

// How a component, or the whole service, is doing (common/health.h).
using tmon::HealthStatus;

// One line of the health report: a component and how it is doing.
struct ComponentHealth {
  std::string name;
  HealthStatus status = HealthStatus::kOk;
  std::string detail;
  // Machine-readable facts beside the prose, e.g. kafka's "bootstrapServers"
  // (what `tmon e2e-test` connects to); added to the component's object.
  std::map<std::string, std::string> fields = {};
};
using HealthProbe = std::function<std::vector<ComponentHealth>()>;
// The worst of the components' statuses (ok when there are none).
HealthStatus overall_status(const std::vector<ComponentHealth>& components);
// Adds more routes (another component's endpoints) to the API's router.
using RouteInstaller = std::function<void(http::Router&)>;

// Live push over Server-Sent Events.
struct LiveOptions {
  LiveFeed* feed = nullptr;  // null: no /api/stream
  // A ": keepalive" comment goes out when a stream was idle this long.
  Millis keepalive_interval{15'000};
};

struct ApiOptions {
  HealthProbe health;  // the components of the health report
  // What the health report says of where it runs (its data.environment).
  messages::JsonValue environment = messages::JsonValue::object();
  RouteInstaller extra;
  LiveOptions live;
  // Origins whose pages may read /api/* and /health/* ("*": any).
  std::vector<std::string> cors_origins;
  // Who may do what (tokens, origins, sessions); null: no checks (tests of
  // the routes alone). ApiServer::start builds it from the config.
  std::shared_ptr<http::Access> access;
  // Where alert acknowledgements live (null: in this process's memory).
  AlertAcksPtr acks;
  // The per-minute counters of /api/stats/summary (null: an empty set) and
  // this process's Kafka lag per topic (null: none).
  StatsCountersPtr stats;
  KafkaLagProbe kafka_lag;
};

// The access rules of an API server with this config. `admin_token_generated`:
// the admin token was made at start (control from loopback peers only).
std::shared_ptr<http::Access> make_access(const config::ApiConfig& config,
                                          bool admin_token_generated, Clock& clock);

// Bounds of the list endpoints' `limit`.
constexpr int kDefaultListLimit = 50;
constexpr int kMaxListLimit = 1000;

// The HTTP API in the original system's envelope: {code, msg, data}.
//   GET /api/health/health_check     {status, service, version, timestamp,
//                                    environment, components}
//   GET /health/health_check         flat {status, service, version}
//   GET /api/cameras/{id}/latest     the camera's latest merged view
//   GET /api/cameras/{id}/history?since=<epoch ms>&limit=<1..1000, 50>
//                                    its views with captureTs >= since, newest first
//                                    (without the group crops)
//   GET /api/alerts, POST /api/alerts/{alertId}/ack   the alert inbox (alert_routes.h)
//   GET /api/stats/summary           calls, latency, alerts per minute (stats_routes.h)
//   GET /api/stream?cameraId=        Server-Sent Events: `event: detection_result`
//                                    for each new view (all cameras without cameraId)
// Errors are JSON with a 4xx/5xx code and a message: 400 for a bad query
// parameter, 503 when the result store cannot be reached.
class ApiServer {
 public:
  // Uses options.access when set, else make_access(config, false, clock).
  static Result<std::unique_ptr<ApiServer>> start(const config::ApiConfig& config,
                                                  store::ResultStorePtr store, Clock& clock,
                                                  ApiOptions options);
  int port() const { return server_->port(); }
  http::ServerStats stats() const { return server_->stats(); }
  void stop() { server_->stop(); }

 private:
  ApiServer() = default;
  std::unique_ptr<http::Server> server_;
};

// The routes alone, for tests that call them without a socket.
std::shared_ptr<http::Router> make_api_router(store::ResultStorePtr store, Clock& clock,
                                              ApiOptions options);

}  // namespace tmon::api
