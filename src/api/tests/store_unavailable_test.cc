// The API when Redis is away: 503 with the reason, on every store read.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "api/api_server.h"
#include "refusing_port.h"
#include "store/redis_result_store.h"

namespace tmon::api {
namespace {

TEST(StoreUnavailableTest, EveryStoreReadIs503WithTheReason) {
  testing::RefusingPort refusing;
  auto address = store::RedisAddress::parse("redis://127.0.0.1:" + std::to_string(refusing.port()));
  ASSERT_TRUE(address);
  auto client = std::make_shared<store::RedisClient>(*address, Millis(500));
  auto store = std::make_shared<store::RedisResultStore>(client, store::StoreOptions{});
  ManualClock clock;
  auto router = make_api_router(store, clock, {});
  for (const char* target : {"/api/cameras/c/history", "/api/alerts", "/api/cameras/c/latest"}) {
    boost::asio::io_context io;
    const http::Request request{http::Verb::get, target, 11};  // outlives the coroutine
    auto future = boost::asio::co_spawn(io, router->dispatch(request), boost::asio::use_future);
    io.run();
    const auto response = future.get();
    EXPECT_EQ(response.result(), http::Status::service_unavailable) << target;
    EXPECT_NE(response.body().find("store unavailable"), std::string::npos) << target;
  }
}

}  // namespace
}  // namespace tmon::api
