#include "detect/source_policy.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/text.h"

namespace tmon::detect {
namespace {

// The canonical form of a path (symlinks and ".." resolved); "" when it
// does not exist.
std::string canonical(std::string_view path) {
  std::error_code ec;
  const auto resolved = std::filesystem::canonical(std::filesystem::path(path), ec);
  return ec ? std::string() : resolved.string();
}

bool within(const std::string& path, const std::string& root) {
  if (path == root) return true;
  const std::string prefix = root.ends_with('/') ? root : root + "/";
  return path.starts_with(prefix);
}

Status refused() {
  return make_error(ErrorCode::kInvalidArgument, std::string(kSourceRefused));
}

}  // namespace

std::string url_host(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  // As FFmpeg splits it (av_url_split), which is who connects: the
  // authority ends at the first '/', '?' or '#'; userinfo ends at its last '@'.
  rest = rest.substr(0, std::min({rest.find('/'), rest.find('?'), rest.find('#')}));
  const size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    return close == std::string_view::npos ? "" : ascii_lower(rest.substr(1, close - 1));
  }
  return ascii_lower(rest.substr(0, rest.find(':')));
}

SourcePolicy::SourcePolicy(const config::DetectionConfig& settings) {
  for (const auto& scheme : settings.allowed_sources) schemes_.push_back(ascii_lower(scheme));
  for (const auto& root : settings.media_roots) {
    // A root that does not exist holds nothing.
    if (auto resolved = canonical(root); !resolved.empty()) roots_.push_back(std::move(resolved));
  }
  for (const auto& host : settings.allowed_hosts) hosts_.push_back(ascii_lower(host));
}

bool SourcePolicy::host_allowed(std::string_view host) const {
  if (host.empty()) return false;
  if (hosts_.empty()) return true;
  return std::any_of(hosts_.begin(), hosts_.end(), [&](const std::string& allowed) {
    if (allowed.starts_with("*.")) return host.ends_with(std::string_view(allowed).substr(1));
    return allowed == host;
  });
}

bool SourcePolicy::path_allowed(std::string_view path) const {
  if (roots_.empty()) return false;
  const std::string resolved = canonical(path);
  if (resolved.empty()) return false;  // missing: the same answer as outside
  return std::any_of(roots_.begin(), roots_.end(),
                     [&](const std::string& root) { return within(resolved, root); });
}

Status SourcePolicy::check(std::string_view url) const {
  const size_t separator = url.find("://");
  const std::string scheme =
      separator == std::string_view::npos ? "file" : ascii_lower(url.substr(0, separator));
  if (std::find(schemes_.begin(), schemes_.end(), scheme) == schemes_.end()) return refused();
  if (scheme == "sim") return {};
  if (scheme == "file") {
    const std::string_view path =
        separator == std::string_view::npos ? url : url.substr(separator + 3);
    return path_allowed(path) ? Status{} : refused();
  }
  return host_allowed(url_host(url)) ? Status{} : refused();
}

}  // namespace tmon::detect
