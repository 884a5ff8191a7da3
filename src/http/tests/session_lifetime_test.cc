// A WebSocket or event-stream session held by the application (a live feed
// thread, a registry of viewers) may outlive the server that accepted it:
// after Server::stop() its send() and close() do nothing but call `written`,
// and releasing it touches nothing of the server's (gone) io_context.
// Before this was so, the last reference dropped after stop() crashed the
// process in teardown (seen in AttackBoundsTest.StalledWebSocketReader...).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "eventually.h"
#include "http/server.h"
#include "http/stream_session.h"
#include "http/websocket.h"
#include "sse_client.h"
#include "ws_client.h"

namespace tmon::http {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

// What the application kept of a session, set from the server's thread.
template <class Session>
struct Kept {
  std::mutex mu;
  std::shared_ptr<Session> session;
  void keep(std::shared_ptr<Session> s) {
    std::lock_guard lock(mu);
    session = std::move(s);
  }
  std::shared_ptr<Session> take() {
    std::lock_guard lock(mu);
    return std::move(session);
  }
};

TEST(SessionLifetimeTest, WebSocketSessionOutlivesItsServer) {
  Kept<WebSocketSession> kept;
  auto router = std::make_shared<Router>();
  router->add_websocket("/ws", [&](WebSocketSessionPtr session) {
    session->send("hello");
    kept.keep(std::move(session));
  });
  auto server = Server::start({}, router);
  ASSERT_TRUE(server) << server.error().message;
  {
    testing::WsClient client((*server)->port(), "/ws");
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.wait_for([](const std::string& text) { return text == "hello"; }, 5s));
    (*server)->stop();
  }
  server->reset();
  auto session = kept.take();
  ASSERT_TRUE(session);
  std::atomic<int> written{0};
  session->send("after the server", [&] { ++written; });
  EXPECT_EQ(written, 1);  // dropped at once, not posted to a dead io_context
  session->close();
  session.reset();  // the last reference: must not touch the gone io_context
}

TEST(SessionLifetimeTest, StreamSessionOutlivesItsServer) {
  Kept<StreamSession> kept;
  auto router = std::make_shared<Router>();
  router->add_stream("/events", [&](RequestContext&) -> std::variant<Response, StreamStart> {
    StreamStart start;
    start.on_open = [&](StreamSessionPtr session) {
      session->send("data: hello\n\n");
      kept.keep(std::move(session));
    };
    return start;
  });
  auto server = Server::start({}, router);
  ASSERT_TRUE(server) << server.error().message;
  {
    testing::SseClient client((*server)->port(), "/events");
    ASSERT_EQ(client.wait_for_status(5s), 200);
    ASSERT_TRUE(client.wait_for([](const testing::SseEvent& e) { return e.data == "hello"; }, 5s));
    (*server)->stop();
  }
  server->reset();
  auto session = kept.take();
  ASSERT_TRUE(session);
  std::atomic<int> written{0};
  session->send("data: late\n\n", [&] { ++written; });
  EXPECT_EQ(written, 1);
  session->close();
  session.reset();
}

// A producer thread still sending while the server stops (the live feed at
// shutdown): no send may reach a destroyed io_context.
TEST(SessionLifetimeTest, SendsRacingStopAreSafe) {
  Kept<WebSocketSession> kept;
  auto router = std::make_shared<Router>();
  router->add_websocket("/ws", [&](WebSocketSessionPtr session) { kept.keep(session); });
  auto server = Server::start({}, router);
  ASSERT_TRUE(server) << server.error().message;
  testing::WsClient client((*server)->port(), "/ws");
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(kept.mu);
        return kept.session != nullptr;
      },
      5s));
  auto session = kept.take();
  std::atomic<bool> sending{true};
  std::atomic<int> sent{0};
  std::thread producer([&] {
    while (sending) {
      session->send(std::string(1024, 'x'));
      ++sent;
    }
  });
  ASSERT_TRUE(eventually([&] { return sent > 100; }, 5s));
  server->reset();  // stops while the producer sends
  const int at_stop = sent;
  ASSERT_TRUE(eventually([&] { return sent > at_stop + 100; }, 5s));
  sending = false;
  producer.join();
  session.reset();
}

}  // namespace
}  // namespace tmon::http
