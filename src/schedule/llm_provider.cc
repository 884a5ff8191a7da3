#include "schedule/llm_provider.h"

#include <algorithm>

#include "common/ids.h"
#include "common/logging.h"

namespace tmon::schedule {
namespace {

// Keys of the built-in mock: several, so the demo shows keys being spread.
constexpr int kMockKeys = 3;

}  // namespace

Result<std::unique_ptr<LlmProvider>> LlmProvider::open(
    const config::LlmConfig& llm, const std::vector<config::ApiKeyConfig>& keys) {
  std::unique_ptr<LlmProvider> provider(new LlmProvider());
  provider->base_url_ = llm.base_url;
  const bool any_enabled = std::any_of(
      keys.begin(), keys.end(), [](const auto& key) { return key.enabled && !key.key.empty(); });
  if (any_enabled) return provider;
  auto mock = mockllm::MockLlmServer::start({});
  if (!mock) return tl::unexpected(mock.error());
  provider->mock_ = std::move(*mock);
  provider->base_url_ = provider->mock_->base_url();
  for (int i = 1; i <= kMockKeys; ++i) {
    config::ApiKeyConfig key;
    key.id = "mock-" + std::to_string(i);
    key.key = "mock-" + random_hex_id(16);
    provider->mock_keys_.push_back(key);
  }
  get_logger("schedule")
      ->warn(
          "no API key configured: using the built-in mock LLM at {}; risk assessments "
          "are SIMULATED",
          provider->base_url_);
  return provider;
}

LlmProvider::~LlmProvider() {
  stop();
}

std::vector<config::ApiKeyConfig> LlmProvider::keys(
    const std::vector<config::ApiKeyConfig>& configured) const {
  return mock_ ? mock_keys_ : configured;
}

void LlmProvider::stop() {
  if (mock_) mock_->stop();
}

}  // namespace tmon::schedule
