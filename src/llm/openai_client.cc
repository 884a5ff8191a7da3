#include "llm/openai_client.h"

#include <charconv>

#include "llm/error_classifier.h"
#include "llm/error_text.h"
#include "llm/prompt.h"
#include "llm/response_parser.h"

namespace tmon::llm {

OpenAiCompatibleClient::OpenAiCompatibleClient(http::Url base_url, http::Client& http, Clock& clock)
    : base_url_(std::move(base_url)),
      target_(base_url_.join("/chat/completions")),
      http_(http),
      clock_(clock) {}

namespace {

// Provider codes are short identifiers; anything longer is not one.
constexpr size_t kMaxProviderCodeChars = 64;

// What the provider (or a proxy in between) said, made safe to travel: it
// may echo the request, Authorization header and all (llm/error_text.h).
CallError scrubbed(CallError error, const std::string& api_key) {
  const std::string secrets[] = {api_key};
  error.message = scrub_provider_text(error.message, secrets);
  error.provider_code = scrub_provider_text(error.provider_code, secrets);
  if (error.provider_code.size() > kMaxProviderCodeChars) error.provider_code.clear();
  return error;
}

}  // namespace

boost::asio::awaitable<CallResult> OpenAiCompatibleClient::complete(ChatRequest request,
                                                                    std::string api_key,
                                                                    Millis timeout) {
  http::Request http_request{http::Verb::post, target_, 11};
  http_request.set(http::beast_http::field::authorization, "Bearer " + api_key);
  http_request.set(http::beast_http::field::content_type, "application/json");
  http_request.body() = chat_request_body(request);

  auto response =
      co_await http_.send(base_url_, std::move(http_request), timeout, std::move(request.on_written));
  if (!response) {
    const bool timed_out = response.error().code == ErrorCode::kTimeout;
    co_return tl::unexpected(
        scrubbed(CallError{timed_out ? CallErrorKind::kTimeout : CallErrorKind::kConnection, 0,
                           std::nullopt, "", response.error().message},
                 api_key));
  }
  const int status = static_cast<int>(response->result_int());
  if (status < 200 || status >= 300) {
    std::optional<Millis> retry_after;
    if (const auto it = response->find(http::beast_http::field::retry_after);
        it != response->end()) {
      retry_after = parse_retry_after(it->value(), clock_.epoch_ms());
    }
    co_return tl::unexpected(
        scrubbed(classify_http_error(status, response->body(), retry_after), api_key));
  }
  auto reply = parse_chat_completion(response->body());
  if (!reply) {
    co_return tl::unexpected(scrubbed(
        CallError{CallErrorKind::kBadResponse, status, std::nullopt, "", reply.error().message},
        api_key));
  }
  const auto header_number = [&](const char* name) -> int64_t {
    const auto it = response->find(name);
    if (it == response->end()) return 0;
    int64_t value = 0;
    const std::string_view text = it->value();
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  };
  StatedLimits stated{header_number("x-ratelimit-limit-requests"),
                      header_number("x-ratelimit-limit-tokens")};
  if (stated.requests_per_minute > 0 || stated.tokens_per_minute > 0) reply->limits = stated;
  co_return std::move(*reply);
}

boost::asio::awaitable<void> OpenAiCompatibleClient::prewarm(size_t connections) {
  co_await http_.prewarm(base_url_, connections, Millis(5'000));
}

}  // namespace tmon::llm
