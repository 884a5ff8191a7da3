#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <tl/expected.hpp>

#include "common/clock.h"
#include "llm/chat.h"

namespace tmon::llm {

using CallResult = tl::expected<ChatReply, CallError>;

// One chat completion against a provider with a given API key. Never throws;
// every failure is a classified CallError. Thread-safe. Arguments are taken
// by value: a coroutine must own what it uses after its first suspension.
class LlmClient {
 public:
  virtual ~LlmClient() = default;
  // `api_key` goes only into the Authorization header.
  virtual boost::asio::awaitable<CallResult> complete(ChatRequest request, std::string api_key,
                                                      Millis timeout) = 0;
  // Opens connections to the provider until `connections` idle ones wait,
  // so calls do not connect (TCP and TLS handshakes) after their permit.
  // Best effort; clients without a pool do nothing.
  virtual boost::asio::awaitable<void> prewarm(size_t /*connections*/) { co_return; }
};

using LlmClientPtr = std::unique_ptr<LlmClient>;

}  // namespace tmon::llm
