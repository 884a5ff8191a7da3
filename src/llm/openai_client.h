#pragma once

#include "common/clock.h"
#include "http/client.h"
#include "http/url.h"
#include "llm/llm_client.h"

namespace tmon::llm {

// LlmClient for OpenAI-compatible endpoints: DashScope's compatible mode
// (base_url .../compatible-mode/v1), tmon mock-llm, or any other. POSTs
// <base_url>/chat/completions with a bearer key over pooled keep-alive
// connections.
class OpenAiCompatibleClient final : public LlmClient {
 public:
  OpenAiCompatibleClient(http::Url base_url, http::Client& http, Clock& clock);

  boost::asio::awaitable<CallResult> complete(ChatRequest request, std::string api_key,
                                              Millis timeout) override;
  boost::asio::awaitable<void> prewarm(size_t connections) override;

 private:
  http::Url base_url_;
  std::string target_;
  http::Client& http_;
  Clock& clock_;
};

}  // namespace tmon::llm
