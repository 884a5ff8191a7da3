#include "api/api_server.h"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <variant>

#include "common/logging.h"
#include "common/version.h"
#include "messages/messages.h"

namespace tmon::api {
namespace {

using nlohmann::json;

http::Response ok(json data) {
  const json body{{"code", 200}, {"msg", "OK"}, {"data", std::move(data)}};
  return http::json_response(http::Status::ok,
                             body.dump(-1, ' ', false, json::error_handler_t::replace));
}

http::Response store_unavailable(const Error& error) {
  return http::error_response(http::Status::service_unavailable, "store_unavailable",
                              "result store unavailable: " + error.message);
}

// A query parameter that must be an integer in [min, max]: its value, the
// default when it is absent, or the 400 that explains what was expected.
std::variant<int64_t, http::Response> int_param(const http::RequestContext& context,
                                                const std::string& name, int64_t fallback,
                                                int64_t min, int64_t max, const std::string& what) {
  const auto text = context.query_param(name);
  if (!text || text->empty()) return fallback;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size() || value < min || value > max) {
    return http::error_response(http::Status::bad_request, "bad_" + name,
                                name + ": expected " + what + ", got \"" + *text + "\"");
  }
  return value;
}

std::variant<int64_t, http::Response> limit_param(const http::RequestContext& context) {
  return int_param(context, "limit", kDefaultListLimit, 1, kMaxListLimit,
                   "an integer from 1 to " + std::to_string(kMaxListLimit));
}

// Stored JSON documents as one array; one that is not JSON is skipped and
// logged rather than failing the whole list.
json parse_all(const std::vector<std::string>& documents, const std::string& what) {
  json list = json::array();
  for (const auto& text : documents) {
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) {
      get_logger("api")->warn("skipping a stored {} that is not JSON", what);
      continue;
    }
    list.push_back(std::move(parsed));
  }
  return list;
}

std::string overall_status(const std::vector<ComponentHealth>& components) {
  std::string status = "ok";
  for (const auto& component : components) {
    if (component.status == "down") return "down";
    if (component.status != "ok") status = "degraded";
  }
  return status;
}

// GET /api/stream?cameraId=: each new view as `event: detection_result`
// with the /ws message as data, `: keepalive` comments while idle.
void add_stream_route(http::Router& router, LiveOptions live) {
  router.add_stream(
      "/api/stream",
      [live](http::RequestContext& context) -> std::variant<http::Response, http::StreamStart> {
        const std::string camera_id = context.query_param("cameraId").value_or("");
        http::StreamStart start;
        start.content_type = "text/event-stream; charset=utf-8";
        start.heartbeat = ": keepalive\n\n";
        start.heartbeat_interval = live.keepalive_interval;
        start.on_open = [feed = live.feed, camera_id](http::StreamSessionPtr session) {
          const std::weak_ptr<http::StreamSession> weak = session;
          std::shared_ptr<LiveFeed::Subscription> subscription = feed->subscribe(
              camera_id, [weak](const std::string& message, std::function<void()> written) {
                auto alive = weak.lock();
                if (!alive) return written();
                alive->send("event: detection_result\ndata: " + message + "\n\n",
                            std::move(written));
              });
          // The subscription ends with the stream; when the server stops it goes
          // with the session, which owns this handler.
          session->on_close([subscription]() mutable { subscription.reset(); });
          // Subscribed: say so at once, so a client knows no view is missed from here on.
          session->send("retry: 3000\n: connected to tmon" +
                        (camera_id.empty() ? std::string() : ", camera " + camera_id) + "\n\n");
        };
        return start;
      });
}

}  // namespace

std::shared_ptr<http::Router> make_api_router(store::ResultStorePtr store, HealthProbe health,
                                              Clock& clock, RouteInstaller extra,
                                              LiveOptions live) {
  auto router = std::make_shared<http::Router>();
  if (extra) extra(*router);
  router->add(http::Verb::get, "/api/health/health_check", [health, &clock](http::RequestContext&) {
    const auto components = health ? health() : std::vector<ComponentHealth>{};
    json details = json::object();
    for (const auto& component : components) {
      json entry = {{"status", component.status}, {"detail", component.detail}};
      for (const auto& [field, value] : component.fields) entry[field] = value;
      details[component.name] = std::move(entry);
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
    if (!latest) return store_unavailable(latest.error());
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
  router->add(http::Verb::get, "/api/cameras/{id}/history", [store](http::RequestContext& context) {
    const std::string& camera_id = context.path_params.at("id");
    const auto since = int_param(context, "since", 0, 0, std::numeric_limits<int64_t>::max(),
                                 "a capture time in epoch milliseconds >= 0");
    if (const auto* bad = std::get_if<http::Response>(&since)) return *bad;
    const auto limit = limit_param(context);
    if (const auto* bad = std::get_if<http::Response>(&limit)) return *bad;
    auto views = store->history(camera_id, std::get<int64_t>(since),
                                static_cast<int>(std::get<int64_t>(limit)));
    if (!views) return store_unavailable(views.error());
    return ok(parse_all(*views, "view"));
  });
  router->add(http::Verb::get, "/api/alerts", [store](http::RequestContext& context) {
    const std::string camera_id = context.query_param("cameraId").value_or("");
    const auto limit_or = limit_param(context);
    if (const auto* bad = std::get_if<http::Response>(&limit_or)) return *bad;
    const int limit = static_cast<int>(std::get<int64_t>(limit_or));
    std::optional<messages::RiskLevel> min_level;
    if (const auto level = context.query_param("level"); level && !level->empty()) {
      min_level = messages::parse_risk_level(*level);
      if (!min_level) {
        return http::error_response(
            http::Status::bad_request, "bad_level",
            "level: expected low, medium, high or critical, got \"" + *level + "\"");
      }
    }
    // With a level filter the newest `limit` alerts may hold fewer matches
    // than exist: read as many as a list may hold, then filter.
    auto alerts = store->alerts(camera_id, min_level ? kMaxListLimit : limit);
    if (!alerts) return store_unavailable(alerts.error());
    json list = parse_all(*alerts, "alert");
    if (min_level) {
      json kept = json::array();
      for (auto& alert : list) {
        const auto level =
            alert.is_object() && alert.contains("riskLevel") && alert["riskLevel"].is_string()
                ? messages::parse_risk_level(alert["riskLevel"].get<std::string>())
                : std::nullopt;
        if (level && *level >= *min_level) kept.push_back(std::move(alert));
        if (static_cast<int>(kept.size()) >= limit) break;
      }
      list = std::move(kept);
    }
    return ok(std::move(list));
  });
  if (live.feed) add_stream_route(*router, live);
  return router;
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(const config::ApiConfig& config,
                                                    store::ResultStorePtr store, HealthProbe health,
                                                    Clock& clock, RouteInstaller extra,
                                                    LiveOptions live) {
  http::ServerOptions options;
  options.name = "api";
  options.host = config.host;
  options.port = config.port;
  options.threads = config.threads;
  options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  auto server = http::Server::start(
      options, make_api_router(std::move(store), std::move(health), clock, std::move(extra), live));
  if (!server) return tl::unexpected(server.error());
  std::unique_ptr<ApiServer> self(new ApiServer());
  self->server_ = std::move(*server);
  return self;
}

}  // namespace tmon::api
