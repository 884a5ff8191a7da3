#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "common/result.h"
#include "http/server.h"

namespace tmon::mockllm {

struct MockKey {
  std::string name;     // shown in stats instead of the key
  std::string account;  // limits are per account
};

struct MockLlmOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  int threads = 1;
  double latency_median_ms = 800;  // lognormal latency: median and sigma of ln
  double latency_sigma = 0.3;
  std::map<std::string, MockKey> keys;  // secret -> key; empty accepts any bearer key
  uint64_t seed = 1;
};

// A DashScope-compatible chat-completions server for demos, tests and
// benchmarks: POST /compatible-mode/v1/chat/completions and
// /v1/chat/completions answer like the provider (risk-assessment JSON as the
// content, token usage, DashScope's error bodies); GET /__stats reports what
// it saw per key and per account. Real HTTP on a real socket.
class MockLlmServer {
 public:
  static Result<std::unique_ptr<MockLlmServer>> start(MockLlmOptions options);
  ~MockLlmServer();

  int port() const { return server_->port(); }
  // The base_url a client should use (DashScope's compatible-mode layout).
  std::string base_url() const;
  // The /__stats document.
  std::string stats_json() const;
  void stop();

 private:
  struct Counters {
    int64_t requests = 0;
    int64_t ok = 0;
    int64_t unauthorized = 0;
    int64_t bad_request = 0;
  };

  explicit MockLlmServer(MockLlmOptions options);
  std::shared_ptr<http::Router> make_router();
  boost::asio::awaitable<http::Response> chat_completions(http::RequestContext& context);
  std::chrono::milliseconds draw_latency();

  MockLlmOptions options_;
  mutable std::mutex mu_;
  std::mt19937_64 random_;
  std::map<std::string, Counters> by_key_;      // key name
  std::map<std::string, Counters> by_account_;  // account name
  std::unique_ptr<http::Server> server_;
};

}  // namespace tmon::mockllm
