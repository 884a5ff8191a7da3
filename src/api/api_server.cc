#include "api/api_server.h"

#include <charconv>
#include <limits>
#include <variant>

#include "api/alert_routes.h"
#include "api/envelope.h"
#include "common/logging.h"
#include "common/version.h"
#include "messages/frame_view.h"
#include "messages/messages.h"

namespace tmon::api {
namespace {

using messages::JsonValue;

http::Response ok(const JsonValue& data) {
  return envelope(http::Status::ok, data);
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

// Stored JSON documents (views, alert records, which the store holds as
// the aggregator wrote them) as one array, embedded as they are.
std::string json_array(const std::vector<std::string>& documents) {
  std::string array = "[";
  for (const auto& document : documents) {
    if (array.size() > 1) array.push_back(',');
    array.append(document);
  }
  array.push_back(']');
  return array;
}

// A stored document that is not a JSON object was not written by tmon.
bool looks_like_object(std::string_view text) {
  return text.size() >= 2 && text.front() == '{' && text.back() == '}';
}

JsonValue health_report(const std::vector<ComponentHealth>& components,
                        const JsonValue& environment, int64_t now_ms) {
  JsonValue details = JsonValue::object();
  for (const auto& component : components) {
    JsonValue entry{{"status", to_string(component.status)}, {"detail", component.detail}};
    for (const auto& [field, value] : component.fields) entry[field] = value;
    details[component.name] = std::move(entry);
  }
  return JsonValue{{"status", to_string(overall_status(components))},
                   {"service", kServiceName},
                   {"version", kVersion},
                   {"timestamp", iso8601_utc(now_ms)},
                   {"timestampMs", now_ms},
                   {"environment", environment},
                   {"components", std::move(details)}};
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

void add_health_routes(http::Router& router, const ApiOptions& options, Clock& clock) {
  const auto components = [health = options.health] {
    return health ? health() : std::vector<ComponentHealth>{};
  };
  router.add(http::Verb::get, "/api/health/health_check",
             [components, environment = options.environment, &clock](http::RequestContext&) {
               return ok(health_report(components(), environment, clock.epoch_ms()));
             });
  // The original front end's readiness probe: flat, no envelope.
  router.add(http::Verb::get, "/health/health_check", [components](http::RequestContext&) {
    return http::json_response(
        http::Status::ok,
        messages::dump(JsonValue{{"status", to_string(overall_status(components()))},
                                 {"service", kServiceName},
                                 {"version", kVersion}}));
  });
}

void add_result_routes(http::Router& router, const store::ResultStorePtr& store) {
  router.add(http::Verb::get, "/api/cameras/{id}/latest", [store](http::RequestContext& context) {
    const std::string& camera_id = context.path_params.at("id");
    auto latest = store->latest(camera_id);
    if (!latest) return store_unavailable(latest.error());
    if (!latest->has_value()) {
      return http::error_response(http::Status::not_found, "no_result",
                                  "no assessed result yet for camera " + camera_id);
    }
    if (!looks_like_object(**latest)) {
      return http::error_response(http::Status::internal_server_error, "corrupt_view",
                                  "stored view for camera " + camera_id + " is not JSON");
    }
    return envelope_raw(http::Status::ok, **latest);
  });
  router.add(http::Verb::get, "/api/cameras/{id}/history", [store](http::RequestContext& context) {
    const std::string& camera_id = context.path_params.at("id");
    const auto since = int_param(context, "since", 0, 0, std::numeric_limits<int64_t>::max(),
                                 "a capture time in epoch milliseconds >= 0");
    if (const auto* bad = std::get_if<http::Response>(&since)) return *bad;
    const auto limit = limit_param(context);
    if (const auto* bad = std::get_if<http::Response>(&limit)) return *bad;
    auto views = store->history(camera_id, std::get<int64_t>(since),
                                static_cast<int>(std::get<int64_t>(limit)));
    if (!views) return store_unavailable(views.error());
    std::erase_if(*views, [](const std::string& view) { return !looks_like_object(view); });
    return envelope_raw(http::Status::ok, json_array(*views));
  });
}

}  // namespace

HealthStatus overall_status(const std::vector<ComponentHealth>& components) {
  HealthStatus worst = HealthStatus::kOk;
  for (const auto& component : components) worst = tmon::worst(worst, component.status);
  return worst;
}

std::shared_ptr<http::Router> make_api_router(store::ResultStorePtr store, Clock& clock,
                                              ApiOptions options) {
  auto router = std::make_shared<http::Router>();
  router->set_cors({options.cors_origins, {"/api/", "/health/"}});
  if (options.access) router->set_access(options.access);
  if (options.extra) options.extra(*router);
  add_health_routes(*router, options, clock);
  add_result_routes(*router, store);
  add_alert_routes(*router, store,
                   options.acks ? options.acks : std::make_shared<MemoryAlertAcks>(), clock);
  add_stats_routes(*router, options.stats ? options.stats : std::make_shared<MemoryStatsCounters>(),
                   clock, options.kafka_lag);
  const LiveOptions& live = options.live;
  if (live.feed) add_stream_route(*router, live);
  return router;
}

std::shared_ptr<http::Access> make_access(const config::ApiConfig& config,
                                          bool admin_token_generated, Clock& clock) {
  http::AccessOptions access;
  access.admin_token = config.admin_token;
  access.viewer_token = config.viewer_token;
  access.admin_token_generated = admin_token_generated;
  access.allowed_origins = config.allowed_origins;
  access.open_reads = http::is_loopback_host(config.host);
  return std::make_shared<http::Access>(std::move(access), clock);
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(const config::ApiConfig& config,
                                                    store::ResultStorePtr store, Clock& clock,
                                                    ApiOptions options) {
  http::ServerOptions server_options;
  server_options.name = "api";
  server_options.host = config.host;
  server_options.port = config.port;
  server_options.threads = config.threads;
  server_options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  server_options.max_connections = static_cast<size_t>(config.max_connections);
  server_options.max_connections_per_peer = static_cast<size_t>(config.max_connections_per_peer);
  server_options.max_stream_clients = static_cast<size_t>(config.max_stream_clients);
  server_options.request_timeout = Millis(config.request_timeout_ms);
  server_options.idle_timeout = Millis(config.idle_timeout_ms);
  server_options.max_client_queue_bytes = static_cast<size_t>(config.max_client_queue_bytes);
  options.cors_origins = config.allowed_origins;
  if (!options.access) options.access = make_access(config, false, clock);
  auto server = http::Server::start(server_options,
                                    make_api_router(std::move(store), clock, std::move(options)));
  if (!server) return tl::unexpected(server.error());
  std::unique_ptr<ApiServer> self(new ApiServer());
  self->server_ = std::move(*server);
  return self;
}

}  // namespace tmon::api
