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

bool over(WindowCounter& window, int64_t limit, WindowCounter::Clock::time_point now) {
  return limit > 0 && window.count(now) >= limit;
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
  // Hung calls hold their connection for the hang; do not cut them first.
  server_options.idle_timeout =
      std::max(server_options.idle_timeout, self->options_.hang_for + std::chrono::seconds(5));
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

MockLlmServer::Admission MockLlmServer::admit(const http::Request& request) {
  const auto now = WindowCounter::Clock::now();
  const std::string secret = http::bearer_token(request);
  Admission admission;
  admission.key_name = "(unknown)";
  const MockKey* key = nullptr;
  if (options_.keys.empty()) {
    // Any key will do; keys are still reported by name only (masked).
    if (!secret.empty()) {
      admission.key_name = mask_secret(secret);
      admission.account = "default";
    }
  } else if (const auto it = options_.keys.find(secret); it != options_.keys.end()) {
    key = &it->second;
    admission.key_name = key->name;
    admission.account = key->revoked ? "" : key->account;
  }

  std::lock_guard lock(mu_);
  Counters& by_key = by_key_[admission.key_name];
  ++by_key.requests;
  if (admission.account.empty()) {
    ++by_key.unauthorized;
    admission.verdict = Verdict::kUnauthorized;
    return admission;
  }
  Counters& by_account = by_account_[admission.account];
  ++by_account.requests;
  const auto count = [&](int64_t Counters::*field) {
    ++(by_key.*field);
    ++(by_account.*field);
  };
  const json body = json::parse(request.body(), nullptr, false);
  if (!body.is_object() || !body.contains("messages") || !body["messages"].is_array()) {
    count(&Counters::bad_requests);
    admission.verdict = Verdict::kBadRequest;
    return admission;
  }
  const auto account = options_.accounts.find(admission.account);
  const MockLimits account_limits =
      account == options_.accounts.end() ? MockLimits{} : account->second.limits;
  if (account != options_.accounts.end() && account->second.quota_exhausted) {
    count(&Counters::quota_errors);
    admission.verdict = Verdict::kQuota;
    return admission;
  }
  const MockLimits key_limits = key ? key->limits : MockLimits{};
  if (over(by_account.second, account_limits.per_second, now) ||
      over(by_account.minute, account_limits.per_minute, now) ||
      over(by_key.second, key_limits.per_second, now) ||
      over(by_key.minute, key_limits.per_minute, now)) {
    count(&Counters::rate_limited);
    admission.verdict = Verdict::kRateLimited;
    return admission;
  }
  for (WindowCounter* window :
       {&by_account.second, &by_account.minute, &by_key.second, &by_key.minute}) {
    window->accept(now);
  }
  std::uniform_real_distribution<double> unit(0, 1);
  const double fault = unit(random_);
  admission.shape_draw = unit(random_);
  std::normal_distribution<double> normal(0, 1);
  admission.latency = std::chrono::milliseconds(static_cast<int64_t>(std::max(
      0.0, options_.latency_median_ms * std::exp(options_.latency_sigma * normal(random_)))));
  const FaultRates& f = options_.faults;
  if (fault < f.server_error) {
    count(&Counters::server_errors);
    admission.verdict = Verdict::kServerError;
  } else if (fault < f.server_error + f.hang) {
    count(&Counters::hangs);
    admission.verdict = Verdict::kHang;
  } else {
    count(&Counters::ok);
  }
  return admission;
}

asio::awaitable<http::Response> MockLlmServer::chat_completions(http::RequestContext& context) {
  const Admission admission = admit(context.request);
  switch (admission.verdict) {
    case Verdict::kUnauthorized:
      co_return dashscope_error(http::Status::unauthorized, "invalid_api_key",
                                "Incorrect API key provided.");
    case Verdict::kBadRequest:
      co_return dashscope_error(http::Status::bad_request, "invalid_parameter_error",
                                "messages must be a non-empty array");
    case Verdict::kQuota:
      co_return dashscope_error(http::Status::bad_request, "Arrearage",
                                "Access denied, please make sure your account is in good "
                                "standing.");
    case Verdict::kRateLimited: {
      auto response = dashscope_error(http::Status::too_many_requests, "limit_requests",
                                      "Requests rate limit exceeded, please try again later.");
      if (options_.retry_after_seconds) {
        response.set(http::beast_http::field::retry_after,
                     std::to_string(*options_.retry_after_seconds));
      }
      co_return response;
    }
    case Verdict::kServerError:
    case Verdict::kHang:
    case Verdict::kOk:
      break;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor, admission.verdict == Verdict::kHang
                                                                   ? options_.hang_for
                                                                   : admission.latency);
  co_await timer.async_wait(asio::use_awaitable);
  if (admission.verdict == Verdict::kServerError) {
    co_return dashscope_error(http::Status::internal_server_error, "InternalError",
                              "An internal error has occured, please try again later.");
  }
  if (admission.verdict == Verdict::kHang) {
    co_return dashscope_error(http::Status::gateway_timeout, "RequestTimeOut",
                              "Request timed out, please try again later.");
  }
  const FaultRates& f = options_.faults;
  const double s = admission.shape_draw;
  const ContentShape shape = s < f.fenced                           ? ContentShape::kFenced
                             : s < f.fenced + f.prose               ? ContentShape::kProse
                             : s < f.fenced + f.prose + f.malformed ? ContentShape::kMalformed
                                                                    : ContentShape::kPlain;
  const json body = json::parse(context.request.body(), nullptr, false);
  const std::string content =
      shape_content(messages::encode(assess_request(context.request.body())), shape);
  co_return http::json_response(http::Status::ok,
                                chat_completion_body(body.value("model", "qwen-vl-plus"), content,
                                                     context.request.body().size()));
}

std::string MockLlmServer::stats_json() const {
  std::lock_guard lock(mu_);
  const auto to_json = [](const Counters& c) {
    return json{{"requests", c.requests},
                {"ok", c.ok},
                {"rateLimited", c.rate_limited},
                {"unauthorized", c.unauthorized},
                {"quotaErrors", c.quota_errors},
                {"badRequests", c.bad_requests},
                {"serverErrors", c.server_errors},
                {"hangs", c.hangs},
                {"maxPerSecond", c.second.max_seen()},
                {"maxPerMinute", c.minute.max_seen()}};
  };
  json keys = json::object();
  for (const auto& [name, counters] : by_key_) keys[name] = to_json(counters);
  json accounts = json::object();
  for (const auto& [name, counters] : by_account_) accounts[name] = to_json(counters);
  json limits = json::object();
  for (const auto& [name, account] : options_.accounts) {
    limits[name] = {{"perSecond", account.limits.per_second},
                    {"perMinute", account.limits.per_minute}};
  }
  return json{{"keys", keys}, {"accounts", accounts}, {"limits", limits}}.dump();
}

}  // namespace tmon::mockllm
