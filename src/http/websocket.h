#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "http/access.h"
#include "http/server_bound.h"
#include "http/types.h"

namespace tmon::http {

// One WebSocket connection, upgraded from an HTTP request by the server.
//
// send() may be called from any thread: messages queue on the connection's
// strand and are written in order. A client that does not keep up (more than
// max_queued messages waiting) is disconnected rather than buffered without
// end; so is one more than max_queued_bytes behind for long: past the budget
// the queue first skips to the newest message (a live view only needs the
// newest frame), and a client that is over budget again before its queue
// ever drained is dropped. Callbacks run on the connection's strand; keep them short. A producer
// that wants to pace itself passes `written` to send(): it runs once the
// message is on the wire, or dropped because the connection ended.
// The application may keep a session past Server::stop(): from then on
// send() only calls `written`, at once on the caller's thread, and close() does
// nothing (see server_bound.h).
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession>,
                         public ReleasableSession {
 public:
  using MessageHandler = std::function<void(const std::string& text)>;
  using CloseHandler = std::function<void()>;
  using Written = std::function<void()>;

  WebSocketSession(boost::beast::tcp_stream stream, size_t max_message_bytes, size_t max_queued,
                   size_t max_queued_bytes = 8 << 20);

  // Completes the upgrade, then reads until the peer closes.
  boost::asio::awaitable<void> run(Request request,
                                   std::function<void(std::shared_ptr<WebSocketSession>)> on_open);

  void on_message(MessageHandler handler) { on_message_ = std::move(handler); }
  void on_close(CloseHandler handler) { on_close_ = std::move(handler); }
  void send(std::string text, Written written = {});
  void close();

  // What the upgrade was allowed (set by the server before on_open).
  void set_grant(WsGrant grant) { grant_ = grant; }
  const WsGrant& grant() const { return grant_; }

  // Bytes queued for all WebSocket clients of the process, and the most
  // ever queued for one client: what the byte budget bounds.
  static size_t queued_bytes_total();
  static size_t max_queued_bytes_seen();

  void release_io() override;

 private:
  boost::asio::awaitable<void> write_queued();

  ServerBound<boost::beast::websocket::stream<boost::beast::tcp_stream>> ws_;
  size_t max_queued_;
  size_t max_queued_bytes_;
  void drop_outbox();
  // Makes room for `incoming` bytes within the budget; false: drop the client.
  bool make_room(size_t incoming);

  WsGrant grant_;
  size_t queued_bytes_ = 0;  // on the strand
  bool skipped_ = false;     // skipped since the queue last drained; on the strand

  std::deque<std::pair<std::string, Written>> outbox_;  // on the strand
  bool writing_ = false;                                // on the strand
  bool closed_ = false;                                 // on the strand
  MessageHandler on_message_;
  CloseHandler on_close_;
};

using WebSocketSessionPtr = std::shared_ptr<WebSocketSession>;
// Called once per accepted connection, to install its callbacks.
using WebSocketHandler = std::function<void(WebSocketSessionPtr)>;

}  // namespace tmon::http
