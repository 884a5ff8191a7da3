#include "common/secrets.h"

namespace tmon {

std::string mask_secret(std::string_view secret) {
  if (secret.empty()) return "(empty)";
  // Below 12 characters four visible characters would be a third of the key.
  if (secret.size() < 12) return "***";
  return "***" + std::string(secret.substr(secret.size() - 4));
}

}  // namespace tmon
