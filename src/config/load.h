#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace tmon::config {

// Reads an environment variable; injected so tests need not touch the process env.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_env();

// A finding about a config file that does not stop loading (unknown key,
// deprecated spelling, a key whose ${ENV} reference was unset).
struct Diagnostic {
  std::string file;  // path as given, e.g. "config/kafka.yaml"
  int line = 0;      // 1-based; 0 when not tied to a line
  std::string key;   // dotted path, e.g. "scheduler.queue_size" or "api_keys[1].rpm_limit"
  std::string message;
  std::string to_string() const;  // "file:line: key: message"
};

struct LoadOptions {
  std::string config_dir = "config";
  bool strict = false;  // unknown keys are errors instead of warnings
  EnvLookup env = process_env();
};

struct LoadedConfig {
  ConfigPtr config;
  std::vector<Diagnostic> warnings;
};

// Loads config/{api_keys,kafka,monitoring,pipeline}.yaml from options.config_dir.
// A missing file means defaults. ${VAR} and ${VAR:-default} inside scalar values
// are expanded from env before conversion. Then environment overrides apply:
//   TMON_KAFKA_BOOTSTRAP_SERVERS, TMON_REDIS_URL, TMON_LLM_BASE_URL,
//   TMON_LLM_MODEL, TMON_ADMIN_TOKEN, TMON_API_PORT, TMON_LOG_LEVEL,
//   DASHSCOPE_API_KEY (defines key "dashscope" when no api_keys are configured).
// A malformed file, a value of the wrong type or out of range, or an
// inconsistent setting yields an Error (code kInvalidArgument) whose message is
// "file:line: key: what was expected[, got ...]".
Result<LoadedConfig> load_config(const LoadOptions& options);

// The effective configuration as YAML, every API key masked (mask_secret), the
// admin token masked too. For `tmon config check`.
std::string render_effective_config(const Config& config);

}  // namespace tmon::config
