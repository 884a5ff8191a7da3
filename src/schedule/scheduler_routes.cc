#include "schedule/scheduler_routes.h"

#include <nlohmann/json.hpp>

namespace tmon::schedule {
namespace {

using nlohmann::json;

http::Response envelope(http::Status status, const std::string& data_json) {
  return http::json_response(status, "{\"code\":" + std::to_string(static_cast<int>(status)) +
                                         ",\"msg\":\"OK\",\"data\":" + data_json + "}");
}

// nullopt when the caller may act; else the answer to send.
std::optional<http::Response> check_admin(const http::RequestContext& context,
                                          const std::string& admin_token) {
  if (context.admin_checked) return std::nullopt;  // the router's access rules said so
  if (admin_token.empty()) {
    return http::error_response(http::Status::forbidden, "admin_disabled",
                                "admin endpoints are disabled: set TMON_ADMIN_TOKEN");
  }
  if (!bearer_matches(context.request, admin_token)) {
    return http::error_response(http::Status::unauthorized, "unauthorized",
                                "missing or wrong bearer token");
  }
  return std::nullopt;
}

}  // namespace

bool bearer_matches(const http::Request& request, const std::string& expected) {
  const std::string token = http::bearer_token(request);
  // Compare every byte whatever differs, so timing says nothing about the token.
  unsigned char diff = token.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^ (i < token.size() ? token[i] : 0));
  }
  return diff == 0;
}

void add_scheduler_routes(http::Router& router, Scheduler& scheduler, std::string admin_token) {
  router.add(http::Verb::get, "/api/scheduler/stats", [&scheduler](http::RequestContext&) {
    return envelope(http::Status::ok, scheduler.stats_json());
  });
  router.add(http::Verb::get, "/api/scheduler/health", [&scheduler](http::RequestContext&) {
    const SchedulerHealth health = scheduler.health();
    const json data{{"status", to_guide_word(health.status)},
                    {"reasons", health.reasons},
                    {"instance", scheduler.instance_id()}};
    // Load balancers and probes read the status code: unhealthy is 503.
    return envelope(
        health.status == HealthStatus::kDown ? http::Status::service_unavailable : http::Status::ok,
        data.dump());
  });
  router.add(
      http::Verb::post, "/api/scheduler/keys/{id}/enable",
      [&scheduler, admin_token](http::RequestContext& context) {
        if (auto denied = check_admin(context, admin_token)) return std::move(*denied);
        const std::string& id = context.path_params.at("id");
        if (!scheduler.keys().enable(id)) {
          return http::error_response(http::Status::not_found, "unknown_key",
                                      "no key with id " + id);
        }
        return envelope(http::Status::ok, json{{"key_id", id}, {"status", "enabled"}}.dump());
      });
  router.add(
      http::Verb::post, "/api/scheduler/keys/{id}/disable",
      [&scheduler, admin_token](http::RequestContext& context) {
        if (auto denied = check_admin(context, admin_token)) return std::move(*denied);
        const std::string& id = context.path_params.at("id");
        std::string reason = "no reason given";
        if (!context.request.body().empty()) {
          const json body = json::parse(context.request.body(), nullptr, false);
          if (!body.is_object()) {
            return http::error_response(http::Status::bad_request, "bad_body",
                                        "body must be a JSON object like {\"reason\":\"...\"}");
          }
          if (body.contains("reason") && body["reason"].is_string()) {
            reason = body["reason"].get<std::string>();
          }
        }
        if (!scheduler.keys().disable(id, reason)) {
          return http::error_response(http::Status::not_found, "unknown_key",
                                      "no key with id " + id);
        }
        return envelope(
            http::Status::ok,
            json{{"key_id", id}, {"status", "disabled"}, {"reason", "operator: " + reason}}.dump());
      });
}

void add_scheduler_elsewhere_routes(http::Router& router) {
  const auto elsewhere = [](http::RequestContext&) {
    return http::error_response(
        http::Status::not_found, "no_scheduler",
        "this process runs no scheduler: each tmon schedule serves /api/scheduler/* on its ops "
        "port (printed at its start) and its key pool in /metrics");
  };
  router.add(http::Verb::get, "/api/scheduler/stats", elsewhere);
  router.add(http::Verb::get, "/api/scheduler/health", elsewhere);
  router.add(http::Verb::post, "/api/scheduler/keys/{id}/enable", elsewhere);
  router.add(http::Verb::post, "/api/scheduler/keys/{id}/disable", elsewhere);
}

}  // namespace tmon::schedule
