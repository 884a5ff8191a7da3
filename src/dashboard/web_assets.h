#pragma once

#include <string_view>
#include <vector>

namespace tmon::dashboard {

// One file of web/, compiled into the binary.
struct WebAsset {
  std::string_view path;  // relative to web/, e.g. "js/wall.js"
  std::string_view body;
  std::string_view etag;  // quoted, from the content's SHA-1
};

// Every file of web/ (generated at build time by embed_assets.cmake).
const std::vector<WebAsset>& web_assets();

}  // namespace tmon::dashboard
