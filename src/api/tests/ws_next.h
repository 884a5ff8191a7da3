#pragma once

// Waiting for a /ws message of one type, for the WebSocket tests.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ws_client.h"

namespace tmon::api::ws_test {

// The next message of `type` (a {type, data} envelope), its data.
inline std::optional<nlohmann::json> next(
    tmon::testing::WsClient& client, const std::string& type,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto text = client.wait_for(
      [&](const std::string& message) {
        const auto parsed = nlohmann::json::parse(message, nullptr, false);
        return parsed.is_object() && parsed.value("type", "") == type && parsed.contains("data");
      },
      timeout);
  if (!text) return std::nullopt;
  return nlohmann::json::parse(*text)["data"];
}

}  // namespace tmon::api::ws_test
