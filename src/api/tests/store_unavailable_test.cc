// The API when Redis is away: 503 with the reason, on every store read.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "api/api_server.h"
#include "store/redis_result_store.h"

namespace tmon::api {
namespace {

// A loopback port that refuses connections for as long as this lives: bound
// (so nobody else gets it) and never listening.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(address);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), size), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size), 0);
    port_ = ntohs(address.sin_port);
  }
  ~RefusingPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(StoreUnavailableTest, EveryStoreReadIs503WithTheReason) {
  RefusingPort refusing;
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
