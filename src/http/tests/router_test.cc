#include "http/router.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace tmon::http {
namespace {

Response run(const Router& router, Verb method, std::string target) {
  boost::asio::io_context io;
  Request request{method, target, 11};
  auto future = boost::asio::co_spawn(io, router.dispatch(request), boost::asio::use_future);
  io.run();
  return future.get();
}

Router make_router() {
  Router router;
  router.add(Verb::get, "/api/cameras/{id}/latest", [](RequestContext& context) {
    return json_response(Status::ok, "\"" + context.path_params.at("id") + "\"");
  });
  router.add(Verb::get, "/echo", [](RequestContext& context) {
    return json_response(Status::ok, context.query_param("q").value_or("none"));
  });
  router.add(Verb::get, "/boom",
             [](RequestContext&) -> Response { throw std::runtime_error("secret detail"); });
  return router;
}

TEST(RouterTest, CapturesDecodedPathParameters) {
  const auto response = run(make_router(), Verb::get, "/api/cameras/cam%2001/latest");
  EXPECT_EQ(response.result(), Status::ok);
  EXPECT_EQ(response.body(), "\"cam 01\"");
}

TEST(RouterTest, ParsesQueryParameters) {
  EXPECT_EQ(run(make_router(), Verb::get, "/echo?x=1&q=a+b%21").body(), "a b!");
  EXPECT_EQ(run(make_router(), Verb::get, "/echo").body(), "none");
}

TEST(RouterTest, UnknownPathIs404AndWrongMethodIs405) {
  EXPECT_EQ(run(make_router(), Verb::get, "/nope").result(), Status::not_found);
  EXPECT_EQ(run(make_router(), Verb::post, "/echo").result(), Status::method_not_allowed);
}

TEST(RouterTest, ThrowingHandlerIs500WithoutTheDetail) {
  const auto response = run(make_router(), Verb::get, "/boom");
  EXPECT_EQ(response.result(), Status::internal_server_error);
  EXPECT_EQ(response.body().find("secret detail"), std::string::npos);
}

TEST(SplitPathTest, DropsEmptySegments) {
  EXPECT_EQ(split_path("//a/b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(split_path("/").empty());
}

}  // namespace
}  // namespace tmon::http
