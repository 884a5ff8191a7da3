// The dashboard's files, served from the binary, called without a socket.
#include "dashboard/static_routes.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace tmon::dashboard {
namespace {

using Field = http::beast_http::field;

http::Response call(const http::Router& router, http::Request request) {
  boost::asio::io_context io;
  auto future = boost::asio::co_spawn(io, router.dispatch(request), boost::asio::use_future);
  io.run();
  return future.get();
}

http::Request get(const std::string& target) {
  return http::Request{http::Verb::get, target, 11};
}

const std::vector<WebAsset> kAssets{
    {"index.html", "<!doctype html><title>t</title>", "\"aaa\""},
    {"js/app.js", "export const x = 1;", "\"bbb\""},
    {"css/app.css", "body{}", "\"ccc\""},
};

TEST(StaticRoutesTest, IndexAtRootAndEveryFileUnderAssets) {
  http::Router router;
  add_static_routes(router, kAssets);
  const auto root = call(router, get("/"));
  EXPECT_EQ(root.result(), http::Status::ok);
  EXPECT_EQ(root.body(), kAssets[0].body);
  EXPECT_EQ(root[Field::content_type], "text/html; charset=utf-8");
  const auto script = call(router, get("/assets/js/app.js"));
  EXPECT_EQ(script.body(), kAssets[1].body);
  EXPECT_EQ(script[Field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(call(router, get("/assets/css/app.css"))[Field::content_type],
            "text/css; charset=utf-8");
}

TEST(StaticRoutesTest, UnknownFilesAndTraversalAre404) {
  http::Router router;
  add_static_routes(router, kAssets);
  for (const char* target :
       {"/assets/js/none.js", "/assets/../index.html", "/assets/js/../../etc/passwd", "/assets/"}) {
    EXPECT_EQ(call(router, get(target)).result(), http::Status::not_found) << target;
  }
}

TEST(StaticRoutesTest, MatchingEtagIs304WithoutBody) {
  http::Router router;
  add_static_routes(router, kAssets);
  const auto first = call(router, get("/assets/js/app.js"));
  EXPECT_EQ(first[Field::etag], "\"bbb\"");
  EXPECT_EQ(first[Field::cache_control], "no-cache");
  auto again = get("/assets/js/app.js");
  again.set(Field::if_none_match, "\"bbb\"");
  const auto revalidated = call(router, again);
  EXPECT_EQ(revalidated.result(), http::Status::not_modified);
  EXPECT_TRUE(revalidated.body().empty());
  again.set(Field::if_none_match, "\"stale\"");
  EXPECT_EQ(call(router, again).result(), http::Status::ok);
}

TEST(StaticRoutesTest, PagesMayLoadNothingFromElsewhere) {
  http::Router router;
  add_static_routes(router, kAssets);
  const auto root = call(router, get("/"));
  const std::string policy(root["Content-Security-Policy"]);
  EXPECT_NE(policy.find("default-src 'self'"), std::string::npos);
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(policy.find("http"), std::string::npos) << policy;
  EXPECT_EQ(root["X-Content-Type-Options"], "nosniff");
}

TEST(StaticRoutesTest, TheBuiltInAssetsHaveAnIndexAndKnownTypes) {
  bool index = false;
  for (const auto& asset : web_assets()) {
    index = index || asset.path == "index.html";
    EXPECT_NE(content_type(asset.path), "application/octet-stream") << asset.path;
    EXPECT_FALSE(asset.body.empty()) << asset.path;
    EXPECT_EQ(asset.etag.size(), 22u) << asset.path;  // 20 hex digits, quoted
  }
  EXPECT_TRUE(index);
}

TEST(StaticRoutesTest, BuiltInAssetsReferenceNoOtherHost) {
  // No CDN, no web font, no analytics: the control room may be offline.
  // (The SVG namespace is a name, never fetched.)
  for (const auto& asset : web_assets()) {
    std::string body(asset.body);
    for (size_t at; (at = body.find("http://www.w3.org/")) != std::string::npos;) {
      body.erase(at, 18);
    }
    for (const char* foreign : {"http://", "https://", "//cdn", "@import", "url(http"}) {
      EXPECT_EQ(body.find(foreign), std::string::npos) << asset.path << ": " << foreign;
    }
  }
}

}  // namespace
}  // namespace tmon::dashboard
