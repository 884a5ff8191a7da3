#include "common/secrets.h"

namespace tmon {

std::string mask_secret(std::string_view secret) {
  if (secret.empty()) return "(empty)";
  // Below 12 characters four visible characters would be a third of the key.
  if (secret.size() < 12) return "***";
  return "***" + std::string(secret.substr(secret.size() - 4));
}

std::string redact_url_password(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t at = url.find('@', start);
  const size_t slash = url.find('/', start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
    return std::string(url);
  }
  const size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);  // user only
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace tmon
