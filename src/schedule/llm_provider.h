#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "mockllm/mock_llm_server.h"

namespace tmon::schedule {

// The LLM provider a scheduler calls and the keys it calls it with: the
// configured provider (llm.base_url) with the configured keys, or, when no
// enabled key is configured, a built-in mock LLM started here with keys made
// up for it, so that the one-command demo runs with no account.
class LlmProvider {
 public:
  // `llm` is the configured provider, `keys` the configured keys.
  static Result<std::unique_ptr<LlmProvider>> open(const config::LlmConfig& llm,
                                                   const std::vector<config::ApiKeyConfig>& keys);
  ~LlmProvider();

  const std::string& base_url() const { return base_url_; }
  // The keys to schedule with given the `configured` ones (also after a
  // reload): the mock's own when the mock stands in, whatever the keys file
  // says now.
  std::vector<config::ApiKeyConfig> keys(const std::vector<config::ApiKeyConfig>& configured) const;
  // True when assessments come from the built-in mock.
  bool simulated() const { return mock_ != nullptr; }
  void stop();

 private:
  LlmProvider() = default;

  std::string base_url_;
  std::unique_ptr<mockllm::MockLlmServer> mock_;
  std::vector<config::ApiKeyConfig> mock_keys_;
};

}  // namespace tmon::schedule
