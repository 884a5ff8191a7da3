#include "dashboard/static_routes.h"

#include <array>
#include <utility>

namespace tmon::dashboard {
namespace {

// Scripts, styles, images and connections from this origin only: the page
// works offline in a control room and cannot be made to load foreign code.
// Frames arrive as data: URIs, which the page fetch()es into bytes to decode
// them off the main thread (connect-src data:) and shows as images.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' data:; "
    "style-src 'self'; script-src 'self'; media-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// If-None-Match may list several tags, or be "*".
bool matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  return if_none_match.find(etag) != std::string_view::npos;
}

http::Response serve(const http::RequestContext& context, const WebAsset& asset) {
  const auto if_none_match = context.request[http::beast_http::field::if_none_match];
  http::Response response;
  response.version(11);
  if (!if_none_match.empty() && matches(if_none_match, asset.etag)) {
    response.result(http::Status::not_modified);
  } else {
    response.result(http::Status::ok);
    response.set(http::beast_http::field::content_type, content_type(asset.path));
    response.body() = std::string(asset.body);
  }
  response.set(http::beast_http::field::etag, asset.etag);
  response.set(http::beast_http::field::cache_control, "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Content-Security-Policy", kContentSecurityPolicy);
  response.set("Referrer-Policy", "no-referrer");
  response.prepare_payload();
  return response;
}

}  // namespace

std::string_view content_type(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".wav", "audio/wav"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (ends_with(path, extension)) return type;
  }
  return "application/octet-stream";
}

void add_static_routes(http::Router& router, const std::vector<WebAsset>& assets) {
  for (const WebAsset& asset : assets) {
    // Views into the assets' bytes, which live as long as the program.
    const auto handler = [asset](http::RequestContext& context) { return serve(context, asset); };
    if (asset.path == "index.html") {
      router.add(http::Verb::get, "/", handler);
      router.add(http::Verb::get, "/index.html", handler);
    }
    router.add(http::Verb::get, "/assets/" + std::string(asset.path), handler);
  }
}

}  // namespace tmon::dashboard
