#include "http/cors.h"

#include <algorithm>

namespace tmon::http {

std::optional<std::string> allowed_origin(const CorsPolicy& policy, const Request& request) {
  const auto origin = request.find(beast_http::field::origin);
  if (origin == request.end() || policy.origins.empty()) return std::nullopt;
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (std::none_of(policy.path_prefixes.begin(), policy.path_prefixes.end(),
                   [&](const std::string& prefix) { return path.starts_with(prefix); })) {
    return std::nullopt;
  }
  const std::string value(origin->value());
  for (const auto& allowed : policy.origins) {
    if (allowed == "*") return std::string("*");
    if (allowed == value) return value;
  }
  return std::nullopt;
}

bool is_preflight(const Request& request) {
  return request.method() == Verb::options &&
         request.find(beast_http::field::access_control_request_method) != request.end();
}

Response preflight_response(const std::string& origin, const Request& request) {
  Response response{Status::no_content, request.version()};
  allow_origin(response, origin);
  response.set(beast_http::field::access_control_allow_methods, "GET, POST, DELETE, OPTIONS");
  if (const auto headers = request.find(beast_http::field::access_control_request_headers);
      headers != request.end()) {
    response.set(beast_http::field::access_control_allow_headers, headers->value());
  }
  response.set(beast_http::field::access_control_max_age, "600");
  return response;
}

void allow_origin(Response& response, const std::string& origin) {
  response.set(beast_http::field::access_control_allow_origin, origin);
  // A listed origin is echoed: caches must keep answers per origin apart.
  if (origin != "*") response.set(beast_http::field::vary, "Origin");
}

}  // namespace tmon::http
