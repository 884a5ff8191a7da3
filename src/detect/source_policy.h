#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace tmon::detect {

// The one answer for a source that is refused, whatever the reason (scheme,
// host, outside the media roots, or missing): a caller must not learn which
// local paths exist or which hosts are reachable from it.
inline constexpr std::string_view kSourceRefused =
    "source not allowed: check detection.allowed_sources, media_roots and allowed_hosts";

// Which camera sources may be opened (detection.allowed_sources,
// media_roots, allowed_hosts): checked before any source is opened or
// probed, for configured cameras, POST /api/cameras and /ws alike.
class SourcePolicy {
 public:
  explicit SourcePolicy(const config::DetectionConfig& settings);

  // kInvalidArgument with kSourceRefused when `url` may not be opened.
  Status check(std::string_view url) const;

 private:
  bool host_allowed(std::string_view host) const;
  bool path_allowed(std::string_view path) const;

  std::vector<std::string> schemes_;
  std::vector<std::string> roots_;  // canonical
  std::vector<std::string> hosts_;  // lower case
};

// The host of a network URL ("rtsp://u:p@[::1]:554/x" -> "::1"); "" when none.
std::string url_host(std::string_view url);

}  // namespace tmon::detect
