#include "mockllm/mock_llm_server.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/clock_timer.h"
#include "common/secrets.h"
#include "llm/prompt.h"
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

// A careless proxy's error: the request's Authorization header (the API
// key) quoted back in the message, so tests can prove tmon never passes a
// provider's error text on unscrubbed.
void echo_authorization(const http::RequestContext& context, http::Response& response) {
  if (response.result_int() < 400) return;
  json body = json::parse(response.body(), nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return;
  const auto header = context.request.find(http::beast_http::field::authorization);
  const std::string echoed = header == context.request.end() ? "" : std::string(header->value());
  auto& message = body["error"]["message"];
  message = message.get<std::string>() + " (request had Authorization: " + echoed + ")";
  response.body() = body.dump();
  response.prepare_payload();
}

bool over(WindowCounter& window, int64_t limit, WindowCounter::Clock::time_point now) {
  return limit > 0 && window.count(now) >= limit;
}

http::Response admin_ok(const json& body) {
  return http::json_response(http::Status::ok, body.dump());
}

}  // namespace

MockLlmServer::MockLlmServer(MockLlmOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : SystemClock::instance()),
      random_(options_.seed) {}

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
                      [this](http::RequestContext& context) -> asio::awaitable<http::Response> {
                        auto response = co_await chat_completions(context);
                        if (options_.echo_authorization) echo_authorization(context, response);
                        co_return response;
                      });
  }
  router->add(http::Verb::get, "/__stats", [this](http::RequestContext&) {
    return http::json_response(http::Status::ok, stats_json());
  });
  add_admin_routes(*router);
  return router;
}

void MockLlmServer::add_admin_routes(http::Router& router) {
  const auto set_revoked = [this](const std::string& name, bool revoked) {
    std::lock_guard lock(mu_);
    bool found = false;
    for (auto& [secret, key] : options_.keys) {
      if (key.name != name) continue;
      key.revoked = revoked;
      found = true;
    }
    return found ? admin_ok({{"key", name}, {"revoked", revoked}})
                 : http::error_response(http::Status::not_found, "unknown_key", "no key " + name);
  };
  router.add(http::Verb::post, "/__admin/keys/{name}/revoke", [set_revoked](auto& context) {
    return set_revoked(context.path_params.at("name"), true);
  });
  router.add(http::Verb::post, "/__admin/keys/{name}/restore", [set_revoked](auto& context) {
    return set_revoked(context.path_params.at("name"), false);
  });
  router.add(http::Verb::post, "/__admin/accounts/{name}/quota", [this](auto& context) {
    const json body = json::parse(context.request.body(), nullptr, false);
    const double seconds = body.is_object() ? body.value("seconds", 0.0) : 0.0;
    const std::string model = body.is_object() ? body.value("model", "") : "";
    std::lock_guard lock(mu_);
    const std::string name = context.path_params.at("name") +
                             (model.empty() || model == options_.primary_model ? "" : "/" + model);
    account_state_[name].quota_until =
        clock_.now() + Millis(static_cast<int64_t>(std::max(0.0, seconds) * 1000));
    return admin_ok({{"account", name}, {"quotaSeconds", seconds}});
  });
  const auto set_arrears = [this](const std::string& name, bool arrears) {
    std::lock_guard lock(mu_);
    account_state_[name].arrears = arrears;
    return admin_ok({{"account", name}, {"arrears", arrears}});
  };
  router.add(http::Verb::post, "/__admin/accounts/{name}/arrears", [set_arrears](auto& context) {
    return set_arrears(context.path_params.at("name"), true);
  });
  router.add(http::Verb::post, "/__admin/accounts/{name}/settle", [set_arrears](auto& context) {
    return set_arrears(context.path_params.at("name"), false);
  });
}

MockLlmServer::Costing MockLlmServer::cost(const std::string& body) const {
  Costing costing;
  const auto request = llm::parse_chat_request_body(body);
  if (!request) return costing;
  costing.valid = true;
  costing.model = request->model.empty() ? "qwen-vl-plus" : request->model;
  const auto rule = options_.token_rules.find(costing.model);
  costing.prompt_tokens = llm::prompt_tokens(
      *request, rule == options_.token_rules.end() ? llm::TokenRule{} : rule->second);
  costing.content = messages::encode(assess_request(body));
  // A reply never runs past max_tokens (a probe's 1-token answer is cut).
  costing.completion_tokens =
      std::min<int64_t>(llm::text_tokens(costing.content), std::max(1, request->max_tokens));
  return costing;
}

MockLlmServer::Admission MockLlmServer::admit(const http::Request& request,
                                              const Costing& costing, SteadyTime now) {
  const std::string secret = http::bearer_token(request);
  Admission admission;
  admission.key_name = "(unknown)";

  std::lock_guard lock(mu_);
  // Requests are judged in the order they are processed: one stamped on
  // arrival but held up before this lock (parsing a 120 KB body on a busy
  // host) is judged no earlier than one processed before it, or a request
  // that arrived after it would count in its window (a 429 no provider
  // gives: issue 15's diagnosis found one 77 ms "from the future").
  admission.judged_after = std::chrono::duration_cast<Millis>(last_judged_ - now);
  if (admission.judged_after < Millis(0)) admission.judged_after = Millis(0);
  now = std::max(now, last_judged_);
  last_judged_ = now;
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
  Counters& by_key = by_key_[admission.key_name];
  ++by_key.requests;
  if (admission.account.empty()) {
    ++by_key.unauthorized;
    admission.verdict = Verdict::kUnauthorized;
    return admission;
  }
  if (costing.valid && costing.model != options_.primary_model) {
    admission.account += "/" + costing.model;  // counted apart, like DashScope
  }
  Counters& by_account = by_account_[admission.account];
  ++by_account.requests;
  const auto count = [&](int64_t Counters::*field) {
    ++(by_key.*field);
    ++(by_account.*field);
  };
  if (!costing.valid) {
    count(&Counters::bad_requests);
    admission.verdict = Verdict::kBadRequest;
    return admission;
  }
  auto account = options_.accounts.find(admission.account);
  if (account == options_.accounts.end()) {
    account = options_.accounts.find(admission.account.substr(0, admission.account.find('/')));
  }
  const MockLimits account_limits =
      account == options_.accounts.end() ? MockLimits{} : account->second.limits;
  admission.limits = account_limits;
  AccountState& state = account_state_[admission.account];
  if ((account != options_.accounts.end() && account->second.quota_exhausted) || state.arrears) {
    count(&Counters::quota_errors);
    admission.verdict = Verdict::kQuota;
    return admission;
  }
  const int64_t tokens = costing.prompt_tokens + costing.completion_tokens;
  if (now < state.quota_until ||
      (account_limits.tokens_per_minute > 0 &&
       by_account.tokens.sum(now) + tokens > account_limits.tokens_per_minute)) {
    count(&Counters::rate_limited);
    count(&Counters::token_limited);
    admission.verdict = Verdict::kTokens;
    admission.refused_by = now < state.quota_until ? "quota_outage" : "tokens";
    admission.in_window = by_account.tokens.sum(now);
    return admission;
  }
  const MockLimits key_limits = key ? key->limits : MockLimits{};
  const std::pair<const char*, bool> request_windows[] = {
      {"account_second", over(by_account.second, account_limits.per_second, now)},
      {"account_minute", over(by_account.minute, account_limits.per_minute, now)},
      {"key_second", over(by_key.second, key_limits.per_second, now)},
      {"key_minute", over(by_key.minute, key_limits.per_minute, now)}};
  for (const auto& [window, refused] : request_windows) {
    if (!refused) continue;
    count(&Counters::rate_limited);
    admission.verdict = Verdict::kRateLimited;
    admission.refused_by = window;
    WindowCounter& counter = window == std::string_view("account_second") ? by_account.second
                             : window == std::string_view("account_minute") ? by_account.minute
                             : window == std::string_view("key_second")     ? by_key.second
                                                                            : by_key.minute;
    admission.in_window = counter.count(now);
    if (&counter == &by_account.second || &counter == &by_key.second) {
      for (const auto at : counter.in_window(now)) {
        admission.window_ms_before.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(now - at).count());
      }
    }
    return admission;
  }
  if (options_.burst.start > 0) {
    const auto allowed = std::max<int64_t>(
        options_.burst.start,
        static_cast<int64_t>(options_.burst.factor *
                             static_cast<double>(by_account.second.previous(now))));
    if (by_account.second.count(now) >= allowed) {
      count(&Counters::rate_limited);
      count(&Counters::burst_limited);
      admission.verdict = Verdict::kBurst;
      admission.refused_by = "burst";
      admission.in_window = by_account.second.count(now);
      return admission;
    }
  }
  for (WindowCounter* window :
       {&by_account.second, &by_account.minute, &by_key.second, &by_key.minute}) {
    window->accept(now);
  }
  by_account.tokens.add(tokens, now);
  by_key.tokens.add(tokens, now);
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
  const auto executor = co_await asio::this_coro::executor;
  if (options_.arrival_jitter > Millis(0)) {
    // The request is on its way: the provider counts it only when it lands.
    Millis delay;
    {
      std::lock_guard lock(mu_);
      delay = Millis(
          std::uniform_int_distribution<int64_t>(0, options_.arrival_jitter.count())(random_));
    }
    ClockTimer arrival(clock_, executor);
    arrival.expires_after(delay);
    co_await arrival.wait();
  }
  // Judged as of its arrival: reading the body (images of 2 to 90 KB) must
  // not move a request into a later window than its neighbours.
  const SteadyTime arrived = clock_.now();
  const int64_t arrived_epoch_ms = clock_.epoch_ms();
  const Costing costing = cost(context.request.body());
  const Admission admission = admit(context.request, costing, arrived);
  if (!admission.refused_by.empty()) {
    note_refusal(admission, costing, arrived_epoch_ms + admission.judged_after.count(),
                 static_cast<int64_t>(context.request.body().size()));
  }
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
    case Verdict::kTokens:
      co_return dashscope_error(http::Status::too_many_requests, "insufficient_quota",
                                "Allocated quota exceeded, please increase your quota limit.");
    case Verdict::kBurst:
      co_return dashscope_error(http::Status::too_many_requests, "limit_burst_rate",
                                "Request rate increased too quickly. To ensure system stability, "
                                "please adjust your client logic to scale requests more smoothly "
                                "over time.");
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
  ClockTimer reply(clock_, executor);
  reply.expires_after(admission.verdict == Verdict::kHang ? options_.hang_for : admission.latency);
  co_await reply.wait();
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
  auto response = http::json_response(
      http::Status::ok, chat_completion_body(costing.model, shape_content(costing.content, shape),
                                             {costing.prompt_tokens, costing.completion_tokens}));
  // OpenAI-style limit headers: what `tmon keys verify --limits` reads.
  if (admission.limits.per_minute > 0) {
    response.set("x-ratelimit-limit-requests", std::to_string(admission.limits.per_minute));
  }
  if (admission.limits.tokens_per_minute > 0) {
    response.set("x-ratelimit-limit-tokens", std::to_string(admission.limits.tokens_per_minute));
  }
  co_return response;
}

void MockLlmServer::note_refusal(const Admission& admission, const Costing& costing,
                                 int64_t judged_epoch_ms, int64_t body_bytes) {
  std::lock_guard lock(mu_);
  if (refusals_.size() == kRecentRefusals) refusals_.pop_front();
  refusals_.push_back({admission.key_name, admission.account, admission.refused_by,
                       judged_epoch_ms, body_bytes, admission.in_window,
                       costing.prompt_tokens + costing.completion_tokens,
                       admission.window_ms_before});
}

std::string MockLlmServer::stats_json() const {
  std::lock_guard lock(mu_);
  const auto to_json = [](const Counters& c) {
    return json{{"requests", c.requests},
                {"ok", c.ok},
                {"rateLimited", c.rate_limited},
                {"burstLimited", c.burst_limited},
                {"tokenLimited", c.token_limited},
                {"unauthorized", c.unauthorized},
                {"quotaErrors", c.quota_errors},
                {"badRequests", c.bad_requests},
                {"serverErrors", c.server_errors},
                {"hangs", c.hangs},
                {"maxPerSecond", c.second.max_seen()},
                {"maxPerMinute", c.minute.max_seen()},
                {"tokens", c.tokens.total()},
                {"maxTokensPerMinute", c.tokens.max_seen()}};
  };
  json keys = json::object();
  for (const auto& [name, counters] : by_key_) keys[name] = to_json(counters);
  json accounts = json::object();
  for (const auto& [name, counters] : by_account_) accounts[name] = to_json(counters);
  json limits = json::object();
  for (const auto& [name, account] : options_.accounts) {
    limits[name] = {{"perSecond", account.limits.per_second},
                    {"perMinute", account.limits.per_minute},
                    {"tokensPerMinute", account.limits.tokens_per_minute}};
  }
  json refusals = json::array();
  for (const Refusal& r : refusals_) {
    refusals.push_back({{"key", r.key_name},
                        {"account", r.account},
                        {"window", r.window},
                        {"judgedEpochMs", r.judged_epoch_ms},
                        {"bodyBytes", r.body_bytes},
                        {"inWindow", r.in_window},
                        {"tokens", r.tokens},
                        {"windowMsBefore", r.window_ms_before}});
  }
  return json{{"keys", keys}, {"accounts", accounts}, {"limits", limits}, {"refusals", refusals}}
      .dump();
}

}  // namespace tmon::mockllm
