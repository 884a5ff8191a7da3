#pragma once

// Helpers shared by the config tests: a throw-away config directory and an
// injected environment (tests never touch the process environment).

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "config/load.h"

namespace tmon::config::testing {

class TempConfigDir {
 public:
  TempConfigDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("tmon_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempConfigDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempConfigDir(const TempConfigDir&) = delete;
  TempConfigDir& operator=(const TempConfigDir&) = delete;

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }
  std::string dir() const { return path_.string(); }
  // The path as messages spell it: config_dir + "/" + name.
  std::string file(const std::string& name) const { return dir() + "/" + name; }

 private:
  std::filesystem::path path_;
};

inline EnvLookup fake_env(std::map<std::string, std::string> vars = {}) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline LoadOptions options_for(const TempConfigDir& dir,
                               std::map<std::string, std::string> env = {}) {
  LoadOptions options;
  options.config_dir = dir.dir();
  options.env = fake_env(std::move(env));
  return options;
}

}  // namespace tmon::config::testing
