// Streaming responses (the transport of Server-Sent Events) over real sockets.
#include "http/stream_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "eventually.h"
#include "http/server.h"
#include "sse_client.h"

namespace tmon::http {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::SseClient;
using testing::SseEvent;

class StreamSessionTest : public ::testing::Test {
 protected:
  void start(Router::StreamHandler handler) {
    auto router = std::make_shared<Router>();
    router->add(Verb::get, "/plain",
                [](RequestContext&) { return json_response(Status::ok, "{}"); });
    router->add_stream("/events/{name}", std::move(handler));
    auto server = Server::start({}, router);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }

  std::unique_ptr<Server> server_;
};

bool any(const SseEvent&) {
  return true;
}

TEST_F(StreamSessionTest, WritesHeaderThenEventsInOrder) {
  std::atomic<int> written{0};
  start([&](RequestContext& context) -> std::variant<Response, StreamStart> {
    StreamStart start;
    start.on_open = [&, name = context.path_params.at("name")](StreamSessionPtr session) {
      for (int i = 0; i < 3; ++i) {
        session->send("event: tick\ndata: " + name + std::to_string(i) + "\n\n",
                      [&] { ++written; });
      }
    };
    return start;
  });
  SseClient client(server_->port(), "/events/abc");
  ASSERT_EQ(client.wait_for_status(5s), 200);
  EXPECT_NE(client.headers().find("Content-Type: text/event-stream"), std::string::npos)
      << client.headers();
  EXPECT_NE(client.headers().find("Cache-Control: no-cache"), std::string::npos);
  EXPECT_EQ(client.headers().find("Content-Length"), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    const auto event = client.wait_for(any, 5s);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->event, "tick");
    EXPECT_EQ(event->data, "abc" + std::to_string(i));
  }
  EXPECT_TRUE(eventually([&] { return written == 3; }, 5s)) << written;
  // Other routes of the same server are unaffected.
  SseClient plain(server_->port(), "/plain");
  EXPECT_EQ(plain.wait_for_status(5s), 200);
}

TEST_F(StreamSessionTest, HandlerCanRefuseWithAPlainResponse) {
  start([](RequestContext&) -> std::variant<Response, StreamStart> {
    return error_response(Status::bad_request, "bad", "no such feed");
  });
  SseClient client(server_->port(), "/events/x");
  EXPECT_EQ(client.wait_for_status(5s), 400);
  EXPECT_TRUE(client.wait_for_body("no such feed", 5s)) << client.body();
}

TEST_F(StreamSessionTest, HeartbeatWhenIdle) {
  start([](RequestContext&) -> std::variant<Response, StreamStart> {
    StreamStart start;
    start.heartbeat = ": keepalive\n\n";
    start.heartbeat_interval = 50ms;
    return start;
  });
  SseClient client(server_->port(), "/events/x");
  ASSERT_EQ(client.wait_for_status(5s), 200);
  EXPECT_TRUE(client.wait_for_comments(2, 5s));
}

TEST_F(StreamSessionTest, ClientLeavingEndsTheStream) {
  std::atomic<bool> closed{false};
  std::atomic<bool> opened{false};
  start([&](RequestContext&) -> std::variant<Response, StreamStart> {
    StreamStart start;  // no heartbeat: the end is noticed without writing
    start.on_open = [&](StreamSessionPtr session) {
      session->on_close([&] { closed = true; });
      opened = true;
    };
    return start;
  });
  {
    SseClient client(server_->port(), "/events/x");
    ASSERT_EQ(client.wait_for_status(5s), 200);
    ASSERT_TRUE(eventually([&] { return opened.load(); }, 5s));
    EXPECT_FALSE(closed);  // open while the client is connected
  }
  EXPECT_TRUE(eventually([&] { return closed.load(); }, 5s));
}

TEST_F(StreamSessionTest, CloseAndServerStopEndTheStream) {
  StreamSessionPtr held;
  std::mutex mu;
  start([&](RequestContext& context) -> std::variant<Response, StreamStart> {
    StreamStart start;
    start.on_open = [&, first = context.path_params.at("name") == "1"](StreamSessionPtr session) {
      std::lock_guard lock(mu);
      if (first) held = session;
    };
    return start;
  });
  SseClient first(server_->port(), "/events/1");
  ASSERT_EQ(first.wait_for_status(5s), 200);
  EXPECT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mu);
        return held != nullptr;
      },
      5s));
  {
    std::lock_guard lock(mu);
    ASSERT_TRUE(held);
    held->close();
    held.reset();  // a session must not outlive its server's io_context
  }
  EXPECT_TRUE(first.wait_closed(5s));

  SseClient second(server_->port(), "/events/2");
  ASSERT_EQ(second.wait_for_status(5s), 200);
  server_->stop();
  EXPECT_TRUE(second.wait_closed(5s));
}

}  // namespace
}  // namespace tmon::http
