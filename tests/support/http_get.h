#pragma once

#include <map>
#include <string>

namespace tmon::testing {

struct HttpReply {
  int status = 0;  // 0 when the request failed (nothing listening, timeout)
  std::string body;
  std::map<std::string, std::string> headers = {};
};

// A blocking request to 127.0.0.1:port, for tests driving an API. A
// non-empty body is sent as application/json.
HttpReply http_request(const std::string& method, int port, const std::string& target,
                       const std::string& body = "", int timeout_ms = 2000);
// With more request headers (Authorization, Origin, Content-Type, Cookie);
// a Content-Type given here replaces the JSON one.
HttpReply http_request(const std::string& method, int port, const std::string& target,
                       const std::string& body, const std::map<std::string, std::string>& headers,
                       int timeout_ms = 2000);

// A blocking GET to 127.0.0.1:port, for integration tests polling an API.
HttpReply http_get(int port, const std::string& target, int timeout_ms = 2000);

}  // namespace tmon::testing
