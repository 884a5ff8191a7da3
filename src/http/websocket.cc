#include "http/websocket.h"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "common/version.h"

namespace tmon::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {
std::atomic<size_t> g_queued_bytes{0};
std::atomic<size_t> g_max_queued_bytes{0};
}  // namespace

size_t WebSocketSession::queued_bytes_total() {
  return g_queued_bytes.load();
}
size_t WebSocketSession::max_queued_bytes_seen() {
  return g_max_queued_bytes.load();
}

WebSocketSession::WebSocketSession(beast::tcp_stream stream, size_t max_message_bytes,
                                   size_t max_queued, size_t max_queued_bytes)
    : ws_(std::move(stream)), max_queued_(max_queued), max_queued_bytes_(max_queued_bytes) {
  ws_->read_message_max(max_message_bytes);
}

asio::awaitable<void> WebSocketSession::run(
    Request request, std::function<void(std::shared_ptr<WebSocketSession>)> on_open) {
  auto self = shared_from_this();
  beast::get_lowest_layer(*ws_).expires_never();  // websocket timeouts take over
  // Pings after half the idle time: a peer that vanished is noticed.
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = std::chrono::seconds(60);
  timeouts.keep_alive_pings = true;
  ws_->set_option(timeouts);
  ws_->set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(beast_http::field::server, kServiceName);
  }));
  boost::system::error_code ec;
  co_await ws_->async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  on_open(self);
  beast::flat_buffer buffer;
  while (true) {
    co_await ws_->async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    const std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (on_message_) on_message_(text);
  }
  closed_ = true;
  drop_outbox();
  if (on_close_) on_close_();
  on_message_ = nullptr;  // break cycles through captured session pointers
  on_close_ = nullptr;
}

void WebSocketSession::drop_outbox() {
  // Producers waiting for `written` learn that nothing more will be written.
  auto dropped = std::move(outbox_);
  outbox_.clear();
  g_queued_bytes -= queued_bytes_;
  queued_bytes_ = 0;
  for (auto& [text, written] : dropped) {
    if (written) written();
  }
}

void WebSocketSession::send(std::string text, Written written) {
  auto held = ws_.hold();
  if (ws_.released()) {  // the server stopped: nothing more is written
    held.unlock();
    if (written) written();
    return;
  }
  asio::post(ws_->get_executor(), [self = shared_from_this(), text = std::move(text),
                                   written = std::move(written)]() mutable {
    if (self->closed_) {
      if (written) written();
      return;
    }
    if (self->outbox_.size() >= self->max_queued_ || !self->make_room(text.size())) {
      // A client this far behind is gone in all but name.
      if (written) written();
      self->close();
      return;
    }
    self->queued_bytes_ += text.size();
    g_queued_bytes += text.size();
    size_t seen = g_max_queued_bytes.load();
    while (self->queued_bytes_ > seen &&
           !g_max_queued_bytes.compare_exchange_weak(seen, self->queued_bytes_)) {
    }
    self->outbox_.emplace_back(std::move(text), std::move(written));
    if (!self->writing_) {
      self->writing_ = true;
      asio::co_spawn(self->ws_->get_executor(), self->write_queued(), asio::detached);
    }
  });
}

bool WebSocketSession::make_room(size_t incoming) {
  if (queued_bytes_ + incoming <= max_queued_bytes_) return true;
  if (skipped_ || incoming > max_queued_bytes_) return false;
  // Skip to the newest: what waits is older than what comes.
  skipped_ = true;
  drop_outbox();
  return true;
}

asio::awaitable<void> WebSocketSession::write_queued() {
  auto self = shared_from_this();
  boost::system::error_code ec;
  while (!outbox_.empty() && !closed_) {
    auto [text, written] = std::move(outbox_.front());
    outbox_.pop_front();
    // The message in flight is not counted: one message is bounded by itself.
    queued_bytes_ -= text.size();
    g_queued_bytes -= text.size();
    ws_->text(true);
    co_await ws_->async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
    if (outbox_.empty()) skipped_ = false;
    if (written) written();
    if (ec) break;
  }
  writing_ = false;
}

void WebSocketSession::close() {
  auto held = ws_.hold();
  if (ws_.released()) return;
  asio::post(ws_->get_executor(), [self = shared_from_this()] {
    if (self->closed_) return;
    self->closed_ = true;
    self->drop_outbox();
    boost::system::error_code ignored;
    beast::get_lowest_layer(*self->ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                                         ignored);
  });
}

void WebSocketSession::release_io() {
  ws_.release();
  // The server's threads are joined: nothing runs on the strand any more.
  closed_ = true;
  drop_outbox();
  on_message_ = nullptr;  // not called at a server stop; cycles broken
  on_close_ = nullptr;
}

}  // namespace tmon::http
