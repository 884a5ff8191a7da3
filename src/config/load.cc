#include "config/load.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/env_overrides.h"
#include "config/sections.h"
#include "config/yaml_reader.h"

namespace tmon::config {
namespace {

std::string join(const std::string& dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  return dir.back() == '/' ? dir + std::string(name) : dir + "/" + std::string(name);
}

// The file's text; nullopt when it does not exist (defaults apply). Any other
// failure to read is an error: a config that exists but cannot be read must
// not silently become defaults.
Result<std::optional<std::string>> read_text(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return make_error(ErrorCode::kIo, path + ": cannot read: " + ec.message());
    return std::optional<std::string>();
  }
  if (std::filesystem::is_directory(path, ec)) {
    return make_error(ErrorCode::kIo, path + ": cannot read: is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, path + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return std::optional<std::string>(text.str());
}

Result<YAML::Node> parse(const std::string& path, const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Diagnostic where{path, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg};
    return make_error(ErrorCode::kInvalidArgument, where.to_string());
  }
}

// One config file and the schema reader that fills its part of Config.
struct FileSpec {
  std::string_view name;
  void (*read)(MapReader& root, Config& config);
};

// Order matters only for which error is reported first when several files are bad.
constexpr FileSpec kFiles[] = {
    {"api_keys.yaml", [](MapReader& root, Config& c) { read_api_keys_file(root, c); }},
    {"kafka.yaml", [](MapReader& root, Config& c) { read_kafka_file(root, c.kafka); }},
    {"monitoring.yaml",
     [](MapReader& root, Config& c) { read_monitoring_file(root, c.monitoring); }},
    {"pipeline.yaml", [](MapReader& root, Config& c) { read_pipeline_file(root, c.pipeline); }},
};

// A missing file still runs its reader on an empty document, so derived
// defaults (the simulated cameras) apply exactly as for an empty file.
Status load_file(const LoadOptions& options, const FileSpec& file, Config& config,
                 std::vector<Diagnostic>& warnings) {
  const std::string path = join(options.config_dir, file.name);
  auto text = read_text(path);
  if (!text) return tl::unexpected(text.error());
  YAML::Node document;
  if (*text) {
    auto parsed = parse(path, **text);
    if (!parsed) return tl::unexpected(parsed.error());
    document = *parsed;
  }
  FileContext context(path, options.env, options.strict);
  MapReader root = context.root(document);
  file.read(root, config);
  auto found = context.finish();
  if (!found) return tl::unexpected(found.error());
  warnings.insert(warnings.end(), found->begin(), found->end());
  return {};
}

Result<LoadedConfig> load(const LoadOptions& options) {
  auto config = std::make_shared<Config>();
  config->config_dir = options.config_dir;
  LoadedConfig loaded;
  for (const FileSpec& file : kFiles) {
    if (auto status = load_file(options, file, *config, loaded.warnings); !status) {
      return tl::unexpected(status.error());
    }
  }
  if (auto status = apply_env_overrides(options.env, *config); !status) {
    return tl::unexpected(status.error());
  }
  loaded.config = std::move(config);
  return loaded;
}

}  // namespace

Result<LoadedConfig> load_config(const LoadOptions& options) {
  // The readers never throw on bad input, but yaml-cpp may on inputs we did
  // not foresee; nothing thrown may cross this boundary.
  try {
    return load(options);
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, options.config_dir + ": " + e.what());
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, options.config_dir + ": " + e.what());
  }
}

}  // namespace tmon::config
