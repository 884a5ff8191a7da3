#include "config/load.h"

namespace tmon::config {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) out.append(":").append(std::to_string(line));
  const auto add_part = [&out](const std::string& part) {
    if (!out.empty()) out.append(": ");
    out.append(part);
  };
  if (!key.empty()) add_part(key);
  add_part(message);
  return out;
}

}  // namespace tmon::config
