#include "schedule/llm_provider.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

config::ApiKeyConfig key(std::string id, std::string secret, bool enabled = true) {
  config::ApiKeyConfig k;
  k.id = std::move(id);
  k.key = std::move(secret);
  k.enabled = enabled;
  return k;
}

TEST(LlmProviderTest, ConfiguredKeysCallTheConfiguredProvider) {
  config::Config config;
  config.llm.base_url = "https://provider.example/v1";
  config.api_keys = {key("a", "secret-a")};
  auto provider = LlmProvider::open(config.llm, config.api_keys);
  ASSERT_TRUE(provider) << provider.error().message;
  EXPECT_FALSE((*provider)->simulated());
  EXPECT_EQ((*provider)->base_url(), "https://provider.example/v1");
  ASSERT_EQ((*provider)->keys(config.api_keys).size(), 1u);
  EXPECT_EQ((*provider)->keys(config.api_keys)[0].id, "a");
  // A reload's keys are the reloaded file's.
  config::Config reloaded = config;
  reloaded.api_keys.push_back(key("b", "secret-b"));
  EXPECT_EQ((*provider)->keys(reloaded.api_keys).size(), 2u);
}

TEST(LlmProviderTest, NoEnabledKeyStartsTheBuiltInMockWithKeysOfItsOwn) {
  config::Config config;
  config.llm.base_url = "https://provider.example/v1";
  // Disabled, or enabled with no secret (an unset ${ENV}): neither counts.
  config.api_keys = {key("off", "secret", false), key("empty", "")};
  auto provider = LlmProvider::open(config.llm, config.api_keys);
  ASSERT_TRUE(provider) << provider.error().message;
  EXPECT_TRUE((*provider)->simulated());
  EXPECT_EQ((*provider)->base_url().rfind("http://127.0.0.1:", 0), 0u) << (*provider)->base_url();
  const auto keys = (*provider)->keys(config.api_keys);
  ASSERT_EQ(keys.size(), 3u);
  for (const auto& k : keys) {
    EXPECT_EQ(k.id.rfind("mock-", 0), 0u);
    EXPECT_GT(k.key.size(), 20u);  // made up per start, never a fixed string
  }
  EXPECT_NE(keys[0].key, keys[1].key);
  // The mock's keys stay in force across a reload of a file without keys.
  EXPECT_EQ((*provider)->keys({})[0].key, keys[0].key);
  (*provider)->stop();
  (*provider)->stop();  // idempotent
}

}  // namespace
}  // namespace tmon::schedule
