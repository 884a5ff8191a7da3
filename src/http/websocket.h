#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "http/types.h"

namespace tmon::http {

// One WebSocket connection, upgraded from an HTTP request by the server.
//
// send() may be called from any thread: messages queue on the connection's
// strand and are written in order. A client that does not keep up (more than
// max_queued messages waiting) is disconnected rather than buffered without
// end. Callbacks run on the connection's strand; keep them short. A producer
// that wants to pace itself passes `written` to send(): it runs once the
// message is on the wire, or dropped because the connection ended.
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  using MessageHandler = std::function<void(const std::string& text)>;
  using CloseHandler = std::function<void()>;
  using Written = std::function<void()>;

  WebSocketSession(boost::beast::tcp_stream stream, size_t max_message_bytes, size_t max_queued);

  // Completes the upgrade, then reads until the peer closes.
  boost::asio::awaitable<void> run(Request request,
                                   std::function<void(std::shared_ptr<WebSocketSession>)> on_open);

  void on_message(MessageHandler handler) { on_message_ = std::move(handler); }
  void on_close(CloseHandler handler) { on_close_ = std::move(handler); }
  void send(std::string text, Written written = {});
  void close();

 private:
  boost::asio::awaitable<void> write_queued();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  size_t max_queued_;
  void drop_outbox();

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
