#include "api/api_server.h"

#include <nlohmann/json.hpp>

#include "common/version.h"

namespace tmon::api {
namespace {

using nlohmann::json;

http::Response ok(json data) {
  const json body{{"code", 200}, {"msg", "OK"}, {"data", std::move(data)}};
  return http::json_response(http::Status::ok,
                             body.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string overall_status(const std::vector<ComponentHealth>& components) {
  std::string status = "ok";
  for (const auto& component : components) {
    if (component.status == "down") return "down";
    if (component.status != "ok") status = "degraded";
  }
  return status;
}

}  // namespace

std::shared_ptr<http::Router> make_api_router(store::ResultStorePtr store, HealthProbe health,
                                              Clock& clock, RouteInstaller extra) {
  auto router = std::make_shared<http::Router>();
  if (extra) extra(*router);
  router->add(http::Verb::get, "/api/health/health_check", [health, &clock](http::RequestContext&) {
    const auto components = health ? health() : std::vector<ComponentHealth>{};
    json details = json::object();
    for (const auto& component : components) {
      details[component.name] = {{"status", component.status}, {"detail", component.detail}};
    }
    return ok({{"status", overall_status(components)},
               {"service", kServiceName},
               {"version", kVersion},
               {"timestamp", clock.epoch_ms()},
               {"components", details}});
  });
  router->add(http::Verb::get, "/api/cameras/{id}/latest", [store](http::RequestContext& context) {
    const std::string& camera_id = context.path_params.at("id");
    auto latest = store->latest(camera_id);
    if (!latest) {
      return http::error_response(http::Status::service_unavailable, "store_unavailable",
                                  "result store unavailable: " + latest.error().message);
    }
    if (!latest->has_value()) {
      return http::error_response(http::Status::not_found, "no_result",
                                  "no assessed result yet for camera " + camera_id);
    }
    json view = json::parse(**latest, nullptr, false);
    if (view.is_discarded()) {
      return http::error_response(http::Status::internal_server_error, "corrupt_view",
                                  "stored view for camera " + camera_id + " is not JSON");
    }
    return ok(std::move(view));
  });
  return router;
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(const config::ApiConfig& config,
                                                    store::ResultStorePtr store, HealthProbe health,
                                                    Clock& clock, RouteInstaller extra) {
  http::ServerOptions options;
  options.name = "api";
  options.host = config.host;
  options.port = config.port;
  options.threads = config.threads;
  options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  auto server = http::Server::start(
      options, make_api_router(std::move(store), std::move(health), clock, std::move(extra)));
  if (!server) return tl::unexpected(server.error());
  std::unique_ptr<ApiServer> self(new ApiServer());
  self->server_ = std::move(*server);
  return self;
}

}  // namespace tmon::api
