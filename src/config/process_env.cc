#include <cstdlib>

#include "config/load.h"

namespace tmon::config {

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    // getenv needs a NUL-terminated name; string_view does not promise one.
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace tmon::config
