// Issue 13's resource attacks: 200 idle sockets and a slowloris client
// against a real `tmon up` must not stop a healthy client being served; a
// WebSocket or event-stream reader that stalls must stay within its byte
// budget (the real HTTP server on port 0, counting what it queues).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <fstream>
#include <thread>

#include "child_process.h"
#include "common/clock.h"
#include "eventually.h"
#include "http/server.h"
#include "http/websocket.h"
#include "http_get.h"
#include "temp_dir.h"
#include "ws_client.h"

namespace tmon {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;

// A raw TCP connection to 127.0.0.1:port; -1 when it failed.
int connect_raw(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the server closed the connection (a read returns 0 or an error)
// within `timeout`.
bool closed_by_server(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char scratch[4096];
  while (true) {
    const ssize_t got = ::recv(fd, scratch, sizeof(scratch), 0);
    if (got == 0) return true;
    if (got < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    // A 408/400 answer before the close is fine: read on.
  }
}

TEST(AttackBoundsTest, IdleSocketsAndSlowlorisDoNotStopAHealthyClient) {
  testing::TempDir config;
  config.write("kafka.yaml", "consumer:\n  fetch_wait_max_ms: 10\n");
  config.write("pipeline.yaml",
               "cameras: []\napi:\n  request_timeout_ms: 2000\n  idle_timeout_ms: 20000\n");
  ChildProcess up({TMON_BINARY, "up", "--config-dir", config.str(), "--api-port", "0"},
                  {{"DASHSCOPE_API_KEY", ""}, {"TMON_REDIS_URL", "redis://127.0.0.1:1/0"}});
  const auto api = up.wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 30s);
  ASSERT_TRUE(api) << up.stderr_text();
  const int port = std::stoi(*api);

  std::vector<int> idle;
  for (int i = 0; i < 200; ++i) {
    const int fd = connect_raw(port);
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  // Slowloris: a request header that never ends, a byte at a time.
  const int slow = connect_raw(port);
  ASSERT_GE(slow, 0);
  const std::string start = "GET /api/health/health_check HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  ASSERT_EQ(::send(slow, start.data(), start.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(start.size()));
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    while (trickling) {
      if (::send(slow, "X", 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(200ms);
    }
  });
  // The healthy client is served, at once, while all that hangs on.
  for (int i = 0; i < 5; ++i) {
    const auto reply = testing::http_get(port, "/health/health_check", 2000);
    EXPECT_EQ(reply.status, 200) << "request " << i;
  }
  // The slowloris connection is cut within seconds (request_timeout_ms).
  EXPECT_TRUE(closed_by_server(slow, 6s));
  trickling = false;
  trickle.join();
  ::close(slow);
  for (const int fd : idle) ::close(fd);
  EXPECT_EQ(testing::http_get(port, "/health/health_check").status, 200);
  up.signal(SIGTERM);
  EXPECT_EQ(up.wait(30s), 0) << up.stderr_text();
}

// The resident set of this process, in bytes.
size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

TEST(AttackBoundsTest, StalledWebSocketReaderStaysWithinItsByteBudget) {
  constexpr size_t kBudget = 1 << 20;
  constexpr size_t kMessage = 256 << 10;
  constexpr int kMessages = 400;  // 100 MiB offered to a reader that reads nothing
  auto router = std::make_shared<http::Router>();
  std::atomic<int> offered{0};
  std::atomic<bool> closed{false};
  router->add_websocket("/ws", [&](http::WebSocketSessionPtr session) {
    session->on_close([&] { closed = true; });
    std::thread([session, &offered] {
      const std::string payload(kMessage, 'x');
      for (int i = 0; i < kMessages; ++i) {
        session->send(payload);
        ++offered;
        // Paced like a camera, so what is held is the session's queue, not
        // posts in flight.
        std::this_thread::sleep_for(2ms);
      }
    }).detach();
  });
  http::ServerOptions options;
  options.max_client_queue_bytes = kBudget;
  options.max_websocket_queue = 100'000;  // the byte budget, not the count, must bind
  auto server = http::Server::start(options, router);
  ASSERT_TRUE(server);
  const size_t rss_before = resident_bytes();

  boost::asio::io_context io;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws(io);
  boost::beast::get_lowest_layer(ws).connect(
      {boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>((*server)->port())});
  // A small receive window, and no reads: the server's writes stall.
  const int small = 4096;
  ::setsockopt(boost::beast::get_lowest_layer(ws).socket().native_handle(), SOL_SOCKET, SO_RCVBUF,
               &small, sizeof(small));
  ws.handshake("127.0.0.1", "/ws");

  ASSERT_TRUE(testing::eventually([&] { return offered == kMessages; }, 20s));
  // Dropped, not buffered: the queue stayed within its budget and the
  // stalled client was let go.
  EXPECT_TRUE(testing::eventually([&] { return closed.load(); }, 10s));
  EXPECT_LE(http::WebSocketSession::max_queued_bytes_seen(), kBudget);
  EXPECT_TRUE(
      testing::eventually([] { return http::WebSocketSession::queued_bytes_total() == 0; }, 5s));
  const size_t grown = resident_bytes() > rss_before ? resident_bytes() - rss_before : 0;
#ifndef __SANITIZE_ADDRESS__
  EXPECT_LT(grown, size_t{40} << 20) << "RSS grew by " << grown;
#else
  // AddressSanitizer keeps freed memory in quarantine (256 MB by default), so
  // the 100 MiB of dropped messages show in RSS there; the byte budget above
  // is what this test checks.
  (void)grown;
#endif
  (*server)->stop();
}

TEST(AttackBoundsTest, ConnectionAndLiveClientCapsHold) {
  auto router = std::make_shared<http::Router>();
  router->add(http::Verb::get, "/ping",
              [](http::RequestContext&) { return http::json_response(http::Status::ok, "{}"); });
  router->add_websocket("/ws", [](http::WebSocketSessionPtr) {});
  http::ServerOptions options;
  options.max_connections = 10;
  options.max_stream_clients = 2;
  auto server = http::Server::start(options, router);
  ASSERT_TRUE(server);
  const int port = (*server)->port();

  // Two live clients fit; a third is answered 503.
  std::vector<std::unique_ptr<testing::WsClient>> live;
  for (int i = 0; i < 2; ++i) {
    live.push_back(std::make_unique<testing::WsClient>(port, "/ws"));
    EXPECT_TRUE(live.back()->connected());
  }
  EXPECT_FALSE(testing::WsClient(port, "/ws").connected());
  // Eight idle sockets fill the connections; one more is closed at once.
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(connect_raw(port));
  ASSERT_TRUE(testing::eventually([&] { return (*server)->stats().connections == 10; }, 5s));
  const int over = connect_raw(port);
  ASSERT_GE(over, 0);  // the kernel accepted it; the server closes it
  EXPECT_TRUE(closed_by_server(over, 3s));
  ::close(over);
  EXPECT_GE((*server)->stats().refused_connections, 2u);
  // Room again once the idle ones go: a healthy client is served.
  for (const int fd : idle) ::close(fd);
  EXPECT_TRUE(
      testing::eventually([&] { return testing::http_get(port, "/ping").status == 200; }, 5s));
  live.clear();
  EXPECT_TRUE(testing::eventually([&] { return (*server)->stats().stream_clients == 0; }, 5s));
  (*server)->stop();
}

}  // namespace
}  // namespace tmon
