#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "http/server_bound.h"
#include "http/types.h"

namespace tmon::http {

class StreamSession;
using StreamSessionPtr = std::shared_ptr<StreamSession>;

// How a streaming route starts its response.
struct StreamStart {
  std::string content_type = "text/event-stream";
  // Written whenever nothing else was for `heartbeat_interval`, so proxies do
  // not time the connection out and a vanished client is noticed by the
  // failed write. Empty: no heartbeat.
  std::string heartbeat;
  Millis heartbeat_interval{15'000};
  // More header fields (name, value), e.g. for cross-origin readers.
  std::vector<std::pair<std::string, std::string>> headers = {};
  // Called once the header is on the wire: install on_close, start sending.
  std::function<void(StreamSessionPtr)> on_open;
};

// A long-lived streaming response (Server-Sent Events and the like) that took
// over its connection the way a WebSocket upgrade does. The server writes the
// header, then whatever send() queues, until the client goes away, close() is
// called or the server stops. The body ends with the connection (no
// Content-Length, no chunking): every HTTP/1.1 client and EventSource reads
// such a body to its end.
//
// send() and close() may be called from any thread; bytes are written in
// order on the connection's strand. A producer that wants to pace itself
// passes `written`, called once those bytes are on the wire or dropped
// because the stream ended. More than max_queued waiting sends close the
// stream: a client that far behind is gone in all but name. Bytes are
// bounded too: past max_queued_bytes the queue skips to the newest message,
// and a client over budget again before it caught up is dropped; a write
// that takes longer than write_timeout ends the stream. The application may
// keep a session past Server::stop(): from then on send() only calls
// `written`, at once on the caller's thread, and close() does nothing (see
// server_bound.h).
class StreamSession : public std::enable_shared_from_this<StreamSession>,
                      public ReleasableSession {
 public:
  using Written = std::function<void()>;
  using CloseHandler = std::function<void()>;

  StreamSession(boost::beast::tcp_stream stream, size_t max_queued,
                size_t max_queued_bytes = 8 << 20, Millis write_timeout = Millis(10'000));

  // Writes the header, calls start.on_open, then writes until the end.
  boost::asio::awaitable<void> run(Request request, StreamStart start);

  void send(std::string bytes, Written written = {});
  void close();
  // Runs once on the strand when the stream ends (not when the server stops:
  // then the session is simply destroyed, with whatever it captured).
  void on_close(CloseHandler handler) { on_close_ = std::move(handler); }

  void release_io() override;

 private:
  struct Io {
    explicit Io(boost::beast::tcp_stream s) : stream(std::move(s)), wake(stream.get_executor()) {}
    boost::beast::tcp_stream stream;
    boost::asio::steady_timer wake;  // cancelled when there is work
  };

  boost::asio::awaitable<void> watch_peer();
  void finish();

  ServerBound<Io> io_;
  size_t max_queued_;
  size_t max_queued_bytes_;
  Millis write_timeout_;
  size_t queued_bytes_ = 0;                             // on the strand
  bool skipped_ = false;                                // on the strand
  std::deque<std::pair<std::string, Written>> outbox_;  // on the strand
  bool closed_ = false;                                 // on the strand
  CloseHandler on_close_;
};

}  // namespace tmon::http
