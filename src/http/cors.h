#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/types.h"

namespace tmon::http {

// Cross-origin access for browsers (a front end served from another
// origin): which origins may read which paths.
struct CorsPolicy {
  std::vector<std::string> origins;        // exact origins, or "*" for any
  std::vector<std::string> path_prefixes;  // e.g. "/api/", "/health/"
};

// The Access-Control-Allow-Origin value for this request: "*", or its Origin
// when listed; nullopt when the request has no Origin, its path is not
// covered or its origin is not allowed (then the browser refuses the answer).
std::optional<std::string> allowed_origin(const CorsPolicy& policy, const Request& request);
// Whether this is a browser's preflight: OPTIONS with
// Access-Control-Request-Method.
bool is_preflight(const Request& request);
// The answer to an allowed preflight: 204 with the methods and headers.
Response preflight_response(const std::string& origin, const Request& request);
// Marks an answer readable by `origin`.
void allow_origin(Response& response, const std::string& origin);

}  // namespace tmon::http
