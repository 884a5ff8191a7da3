#include "config/env_overrides.h"

#include <optional>
#include <string>

#include "config/checks.h"
#include "config/scalar.h"

namespace tmon::config {
namespace {

std::optional<std::string> non_empty_env(const EnvLookup& env, std::string_view name) {
  if (!env) return std::nullopt;
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

tl::unexpected<Error> bad_env(std::string_view name, std::string_view expected,
                              std::string_view value) {
  return make_error(ErrorCode::kInvalidArgument, "env " + std::string(name) + ": expected " +
                                                     std::string(expected) + ", got \"" +
                                                     std::string(value) + "\"");
}

void override_string(const EnvLookup& env, std::string_view name, std::string& out) {
  if (auto value = non_empty_env(env, name)) out = std::move(*value);
}

}  // namespace

Status apply_env_overrides(const EnvLookup& env, Config& config) {
  override_string(env, "TMON_KAFKA_BOOTSTRAP_SERVERS", config.kafka.bootstrap_servers);
  override_string(env, "TMON_REDIS_URL", config.pipeline.redis.url);
  override_string(env, "TMON_LLM_BASE_URL", config.llm.base_url);
  override_string(env, "TMON_LLM_MODEL", config.llm.model);
  override_string(env, "TMON_ADMIN_TOKEN", config.pipeline.api.admin_token);
  override_string(env, "TMON_VIEWER_TOKEN", config.pipeline.api.viewer_token);

  // Comma-separated origins; the original service read ALGO_CORS_ORIGINS.
  for (const std::string_view name : {"ALGO_CORS_ORIGINS", "TMON_CORS_ORIGINS"}) {
    if (auto text = non_empty_env(env, name)) {
      std::vector<std::string> origins;
      for (size_t start = 0; start <= text->size();) {
        const size_t end = std::min(text->find(',', start), text->size());
        std::string origin = text->substr(start, end - start);
        std::erase(origin, ' ');
        if (!origin.empty()) origins.push_back(std::move(origin));
        start = end + 1;
      }
      if (origins.empty()) return bad_env(name, "comma-separated origins", *text);
      config.pipeline.api.allowed_origins = std::move(origins);
    }
  }
  if (auto text = non_empty_env(env, "TMON_API_PORT")) {
    const auto check = port();
    const auto value = parse_int64(*text);
    if (!value || !check.ok(*value)) return bad_env("TMON_API_PORT", check.expected, *text);
    config.pipeline.api.port = static_cast<int>(*value);
  }
  if (auto text = non_empty_env(env, "TMON_LOG_LEVEL")) {
    const auto check = log_level();
    if (!check.ok(*text)) return bad_env("TMON_LOG_LEVEL", check.expected, *text);
    config.monitoring.logging.level = *text;
  }
  if (auto key = non_empty_env(env, "DASHSCOPE_API_KEY"); key && config.api_keys.empty()) {
    ApiKeyConfig dashscope;
    dashscope.id = "dashscope";
    dashscope.key = std::move(*key);
    dashscope.enabled = true;
    config.api_keys.push_back(std::move(dashscope));
  }
  return {};
}

}  // namespace tmon::config
