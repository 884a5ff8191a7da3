#pragma once

#include "common/result.h"
#include "config/config.h"
#include "config/load.h"

namespace tmon::config {

// Applies the environment overrides that follow the files, so a container
// can change endpoints and secrets without editing YAML:
//   TMON_KAFKA_BOOTSTRAP_SERVERS  kafka.bootstrap_servers
//   TMON_REDIS_URL                pipeline.redis.url
//   TMON_LLM_BASE_URL             llm.base_url
//   TMON_LLM_MODEL                llm.model
//   TMON_ADMIN_TOKEN              pipeline.api.admin_token
//   TMON_API_PORT                 pipeline.api.port (0..65535)
//   TMON_VIEWER_TOKEN             pipeline.api.viewer_token
//   TMON_CORS_ORIGINS             pipeline.api.allowed_origins, comma-separated
//                                 (ALGO_CORS_ORIGINS, the original's, too)
//   TMON_LOG_LEVEL                monitoring.logging.level (a spdlog level)
//   DASHSCOPE_API_KEY             key "dashscope" when no api_keys are configured
// A variable that is unset or empty leaves the file's value: orchestrators
// often pass VAR= for "not set". A bad value is an Error naming the variable:
// "env TMON_API_PORT: expected a port 0..65535, got \"x\"".
Status apply_env_overrides(const EnvLookup& env, Config& config);

}  // namespace tmon::config
