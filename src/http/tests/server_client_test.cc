// The server and the client against each other over real loopback sockets.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "http/client.h"
#include "http/server.h"

namespace tmon::http {
namespace {
namespace asio = boost::asio;

class ServerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    router->add(Verb::get, "/hello",
                [](RequestContext&) { return json_response(Status::ok, R"({"hello":"world"})"); });
    router->add(Verb::post, "/echo", [](RequestContext& context) {
      return json_response(Status::ok, context.request.body());
    });
    router->add_async(Verb::get, "/slow", [](RequestContext&) -> asio::awaitable<Response> {
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(2));
      co_await timer.async_wait(asio::use_awaitable);
      co_return json_response(Status::ok, "{}");
    });
    ServerOptions options;
    options.max_body_bytes = 1024;
    auto server = Server::start(options, router);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    base_ = *Url::parse("http://127.0.0.1:" + std::to_string(server_->port()));
  }

  Result<Response> send(Verb method, std::string target, std::string body = "",
                        Millis timeout = Millis(5000)) {
    Request request{method, target, 11};
    request.body() = std::move(body);
    auto future =
        asio::co_spawn(io_, client_.send(base_, std::move(request), timeout), asio::use_future);
    io_.restart();
    io_.run();
    return future.get();
  }

  // Writes raw bytes and returns whatever the server answers.
  std::string raw_exchange(const std::string& bytes) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server_->port())});
    asio::write(socket, asio::buffer(bytes));
    std::string answer;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(answer), ec);
    return answer;
  }

  std::unique_ptr<Server> server_;
  Url base_;
  asio::io_context io_;
  Client client_;
};

TEST_F(ServerClientTest, GetReturnsJson) {
  auto response = send(Verb::get, "/hello");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->result(), Status::ok);
  EXPECT_EQ(response->body(), R"({"hello":"world"})");
  EXPECT_EQ((*response)[beast_http::field::content_type], "application/json");
}

TEST_F(ServerClientTest, PostBodyRoundTripsOverReusedConnections) {
  for (int i = 0; i < 20; ++i) {
    auto response = send(Verb::post, "/echo", "body-" + std::to_string(i));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body(), "body-" + std::to_string(i));
  }
}

TEST_F(ServerClientTest, OversizedBodyIs413) {
  auto response = send(Verb::post, "/echo", std::string(4096, 'x'));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->result(), Status::payload_too_large);
}

TEST_F(ServerClientTest, GarbageIs400) {
  const std::string answer = raw_exchange("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
}

TEST_F(ServerClientTest, ClientTimeoutIsAnErrorValue) {
  auto response = send(Verb::get, "/slow", "", Millis(200));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kTimeout);
}

// on_written marks the moment the whole request is out (the scheduler's
// permit → provider spread ends there): once per exchange, and never for a
// request that could not be sent.
TEST_F(ServerClientTest, OnWrittenRunsOnceTheRequestIsWrittenWhole) {
  int written = 0;
  Request request{Verb::post, "/echo", 11};
  request.body() = std::string(1000, 'x');
  auto future = asio::co_spawn(
      io_, client_.send(base_, std::move(request), Millis(5000), [&] { ++written; }),
      asio::use_future);
  io_.run();
  auto response = future.get();
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body().size(), 1000u);
  EXPECT_EQ(written, 1);

  server_->stop();
  server_.reset();
  Client fresh;  // no parked connection (a write into one may still succeed)
  Request refused{Verb::get, "/hello", 11};
  auto failed = asio::co_spawn(
      io_, fresh.send(base_, std::move(refused), Millis(1000), [&] { ++written; }),
      asio::use_future);
  io_.restart();
  io_.run();
  EXPECT_FALSE(failed.get());
  EXPECT_EQ(written, 1);
}

TEST_F(ServerClientTest, RefusedConnectionIsUnavailable) {
  server_->stop();
  server_.reset();
  auto response = send(Verb::get, "/hello", "", Millis(1000));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
}

TEST_F(ServerClientTest, SurvivesServerClosingParkedConnections) {
  ASSERT_TRUE(send(Verb::get, "/hello"));
  // A new server on another port gets the next requests; the parked
  // connection to the old one is dead and must be replaced transparently.
  const int old_port = server_->port();
  server_->stop();
  auto router = std::make_shared<Router>();
  router->add(Verb::get, "/hello", [](RequestContext&) { return json_response(Status::ok, "2"); });
  ServerOptions options;
  options.port = old_port;
  auto server = Server::start(options, router);
  ASSERT_TRUE(server) << server.error().message;
  server_ = std::move(*server);
  auto response = send(Verb::get, "/hello");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body(), "2");
}

}  // namespace
}  // namespace tmon::http
