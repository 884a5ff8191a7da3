#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace tmon::http {
class BlockingClient;
}  // namespace tmon::http

namespace tmon::e2e {

// Blocking GETs against a tmon API ("http://host:port"), for a command-line
// tool. One request at a time; not thread-safe.
class ApiClient {
 public:
  explicit ApiClient(std::string base_url);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // The `data` of the JSON envelope {code, msg, data} at `target` (path and
  // query). An error when nothing answered, the status was not 200, or the
  // body is not that envelope.
  Result<nlohmann::json> get(const std::string& target, Millis timeout = Millis(2'000));
  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::unique_ptr<http::BlockingClient> client_;
};

// What the health check (GET /api/health/health_check, its `data`) says
// that the check needs.
struct HealthFacts {
  std::optional<std::string> kafka_bootstrap;  // the bootstrap address the pipeline uses
  bool store_in_process = false;               // results kept in process memory, not in Redis
};

// Reads the kafka component's bootstrapServers field, or (from a tmon that
// predates it) its detail "embedded in-memory broker at <addr>".
HealthFacts parse_health(const nlohmann::json& data);

// Percent-encodes everything but unreserved characters, for a path segment.
std::string url_encode(const std::string& text);

}  // namespace tmon::e2e
