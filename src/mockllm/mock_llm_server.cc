#include "mockllm/mock_llm_server.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/secrets.h"
#include "messages/codec.h"
#include "mockllm/reply_builder.h"

namespace tmon::mockllm {
namespace asio = boost::asio;
using nlohmann::json;

namespace {

http::Response dashscope_error(http::Status status, const std::string& code,
                               const std::string& message) {
  const json body{
      {"error", {{"message", message}, {"type", code}, {"param", nullptr}, {"code", code}}}};
  return http::json_response(status, body.dump());
}

std::string bearer_token(const http::Request& request) {
  const auto it = request.find(http::beast_http::field::authorization);
  if (it == request.end()) return "";
  const std::string_view value = it->value();
  constexpr std::string_view kPrefix = "Bearer ";
  if (value.substr(0, kPrefix.size()) != kPrefix) return "";
  return std::string(value.substr(kPrefix.size()));
}

json counters_json(int64_t requests, int64_t ok, int64_t unauthorized, int64_t bad_request) {
  return {{"requests", requests},
          {"ok", ok},
          {"unauthorized", unauthorized},
          {"badRequest", bad_request}};
}

}  // namespace

MockLlmServer::MockLlmServer(MockLlmOptions options)
    : options_(std::move(options)), random_(options_.seed) {}

Result<std::unique_ptr<MockLlmServer>> MockLlmServer::start(MockLlmOptions options) {
  std::unique_ptr<MockLlmServer> self(new MockLlmServer(std::move(options)));
  http::ServerOptions server_options;
  server_options.name = "mock-llm";
  server_options.host = self->options_.host;
  server_options.port = self->options_.port;
  server_options.threads = self->options_.threads;
  server_options.max_body_bytes = 32 << 20;  // images travel inline
  auto server = http::Server::start(server_options, self->make_router());
  if (!server) return tl::unexpected(server.error());
  self->server_ = std::move(*server);
  return self;
}

MockLlmServer::~MockLlmServer() {
  stop();
}

void MockLlmServer::stop() {
  if (server_) server_->stop();
}

std::string MockLlmServer::base_url() const {
  return "http://" + options_.host + ":" + std::to_string(port()) + "/compatible-mode/v1";
}

std::shared_ptr<http::Router> MockLlmServer::make_router() {
  auto router = std::make_shared<http::Router>();
  for (const char* path : {"/compatible-mode/v1/chat/completions", "/v1/chat/completions"}) {
    router->add_async(http::Verb::post, path,
                      [this](http::RequestContext& context) { return chat_completions(context); });
  }
  router->add(http::Verb::get, "/__stats", [this](http::RequestContext&) {
    return http::json_response(http::Status::ok, stats_json());
  });
  return router;
}

std::chrono::milliseconds MockLlmServer::draw_latency() {
  std::lock_guard lock(mu_);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double ms = options_.latency_median_ms * std::exp(options_.latency_sigma * normal(random_));
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, ms)));
}

asio::awaitable<http::Response> MockLlmServer::chat_completions(http::RequestContext& context) {
  const std::string secret = bearer_token(context.request);
  // Keys are reported by name (or masked), never by value.
  std::string key_name = "(unknown)";
  std::string account;
  bool known = false;
  if (options_.keys.empty()) {
    known = !secret.empty();
    key_name = known ? mask_secret(secret) : "(none)";
    account = "default";
  } else if (const auto it = options_.keys.find(secret); it != options_.keys.end()) {
    known = true;
    key_name = it->second.name;
    account = it->second.account;
  }
  const auto count = [&](int64_t Counters::*field) {
    std::lock_guard lock(mu_);
    ++(by_key_[key_name].*field);
    if (!account.empty()) ++(by_account_[account].*field);
  };
  count(&Counters::requests);
  if (!known) {
    count(&Counters::unauthorized);
    co_return dashscope_error(http::Status::unauthorized, "invalid_api_key",
                              "Incorrect API key provided.");
  }
  const json body = json::parse(context.request.body(), nullptr, false);
  if (!body.is_object() || !body.contains("messages") || !body["messages"].is_array()) {
    count(&Counters::bad_request);
    co_return dashscope_error(http::Status::bad_request, "invalid_parameter_error",
                              "messages must be a non-empty array");
  }
  asio::steady_timer timer(co_await asio::this_coro::executor, draw_latency());
  co_await timer.async_wait(asio::use_awaitable);

  const std::string content = messages::encode(assess_request(context.request.body()));
  count(&Counters::ok);
  co_return http::json_response(http::Status::ok,
                                chat_completion_body(body.value("model", "qwen-vl-plus"), content,
                                                     context.request.body().size()));
}

std::string MockLlmServer::stats_json() const {
  std::lock_guard lock(mu_);
  json keys = json::object();
  for (const auto& [name, c] : by_key_) {
    keys[name] = counters_json(c.requests, c.ok, c.unauthorized, c.bad_request);
  }
  json accounts = json::object();
  for (const auto& [name, c] : by_account_) {
    accounts[name] = counters_json(c.requests, c.ok, c.unauthorized, c.bad_request);
  }
  return json{{"keys", keys}, {"accounts", accounts}}.dump();
}

}  // namespace tmon::mockllm
