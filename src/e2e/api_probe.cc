#include "e2e/api_probe.h"

#include <fmt/format.h>

#include "http/blocking_client.h"
#include "http/url.h"

namespace tmon::e2e {

using nlohmann::json;

ApiClient::ApiClient(std::string base_url)
    : base_url_(std::move(base_url)), client_(std::make_unique<http::BlockingClient>()) {}

ApiClient::~ApiClient() = default;

Result<json> ApiClient::get(const std::string& target, Millis timeout) {
  auto url = http::Url::parse(base_url_);
  if (!url) return tl::unexpected(url.error());
  http::Request request{http::Verb::get, url->join(target), 11};
  auto response = client_->send(*url, std::move(request), timeout);
  if (!response) {
    return make_error(response.error().code,
                      fmt::format("GET {}{}: {}", base_url_, target, response.error().message));
  }
  json body = json::parse(response->body(), nullptr, false);
  if (response->result() != http::Status::ok) {
    const std::string why = !body.is_discarded() && body.contains("msg") && body["msg"].is_string()
                                ? body["msg"].get<std::string>()
                                : std::string(response->reason());
    return make_error(ErrorCode::kUnavailable, fmt::format("GET {}{}: {} {}", base_url_, target,
                                                           response->result_int(), why));
  }
  if (body.is_discarded() || !body.is_object() || !body.contains("data")) {
    return make_error(ErrorCode::kParse,
                      fmt::format("GET {}{}: not a tmon API answer", base_url_, target));
  }
  return std::move(body["data"]);
}

HealthFacts parse_health(const json& data) {
  HealthFacts facts;
  if (!data.is_object() || !data.contains("components") || !data["components"].is_object()) {
    return facts;
  }
  const json& components = data["components"];
  if (const auto kafka = components.find("kafka");
      kafka != components.end() && kafka->is_object()) {
    const std::string detail = kafka->value("detail", "");
    constexpr std::string_view kEmbedded = "embedded in-memory broker at ";
    if (const std::string field = kafka->value("bootstrapServers", ""); !field.empty()) {
      facts.kafka_bootstrap = field;
    } else if (detail.starts_with(kEmbedded) && detail.size() > kEmbedded.size()) {
      facts.kafka_bootstrap = detail.substr(kEmbedded.size());
    } else if (!detail.empty() && detail.find(' ') == std::string::npos) {
      facts.kafka_bootstrap = detail;  // an external cluster: the detail is the address list
    }
  }
  if (const auto store = components.find("store");
      store != components.end() && store->is_object()) {
    facts.store_in_process = store->value("detail", "").starts_with("in-process");
  }
  return facts;
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace tmon::e2e
