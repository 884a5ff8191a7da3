#pragma once

#include <string_view>
#include <vector>

#include "dashboard/web_assets.h"
#include "http/router.h"

namespace tmon::dashboard {

// The Content-Type of a file by its extension (UTF-8 for text);
// application/octet-stream when unknown.
std::string_view content_type(std::string_view path);

// Serves `assets`: index.html at / (and /index.html), every file at
// /assets/<path>. Answers carry a strong ETag and `Cache-Control: no-cache`
// (names are not content-hashed, so browsers revalidate: a matching
// If-None-Match gets 304), a Content-Security-Policy that allows nothing
// from elsewhere, and nosniff.
void add_static_routes(http::Router& router, const std::vector<WebAsset>& assets = web_assets());

}  // namespace tmon::dashboard
