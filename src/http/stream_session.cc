#include "http/stream_session.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include "common/version.h"

namespace tmon::http {
namespace asio = boost::asio;
namespace beast = boost::beast;

StreamSession::StreamSession(beast::tcp_stream stream, size_t max_queued, size_t max_queued_bytes,
                             Millis write_timeout)
    : io_(std::move(stream)),
      max_queued_(max_queued),
      max_queued_bytes_(max_queued_bytes),
      write_timeout_(write_timeout) {}

asio::awaitable<void> StreamSession::run(Request request, StreamStart start) {
  auto self = shared_from_this();
  io_->stream.expires_never();  // the stream lives as long as the client listens
  beast_http::response<beast_http::empty_body> header{Status::ok, request.version()};
  header.set(beast_http::field::server, kServiceName);
  header.set(beast_http::field::content_type, start.content_type);
  header.set(beast_http::field::cache_control, "no-cache");
  // nginx buffers responses by default, which would hold events back.
  header.set("X-Accel-Buffering", "no");
  for (const auto& [name, value] : start.headers) header.set(name, value);
  header.keep_alive(false);
  beast_http::response_serializer<beast_http::empty_body> serializer{header};
  boost::system::error_code ec;
  co_await beast_http::async_write_header(io_->stream, serializer,
                                          asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    finish();
    co_return;
  }
  asio::co_spawn(io_->stream.get_executor(), watch_peer(), asio::detached);
  if (start.on_open) start.on_open(self);
  const Millis idle =
      start.heartbeat.empty() ? Millis(24LL * 3600 * 1000) : start.heartbeat_interval;
  while (!closed_) {
    if (outbox_.empty()) {
      io_->wake.expires_after(idle);
      co_await io_->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      // Expired (not cancelled by send or close) with nothing to write: beat.
      if (!ec && !closed_ && outbox_.empty() && !start.heartbeat.empty()) {
        outbox_.emplace_back(start.heartbeat, nullptr);
      }
      continue;
    }
    auto [bytes, written] = std::move(outbox_.front());
    outbox_.pop_front();
    queued_bytes_ -= std::min(queued_bytes_, bytes.size());
    // A client that stopped reading must not hold the stream for ever.
    io_->stream.expires_after(write_timeout_);
    co_await asio::async_write(io_->stream, asio::buffer(bytes),
                               asio::redirect_error(asio::use_awaitable, ec));
    io_->stream.expires_never();
    if (outbox_.empty()) skipped_ = false;
    if (written) written();
    if (ec) break;
  }
  finish();
}

asio::awaitable<void> StreamSession::watch_peer() {
  // The client sends nothing after its request; a read completes only when it
  // closes the connection (or misbehaves), which ends the stream at once
  // rather than at the next failed write.
  auto self = shared_from_this();
  char scratch[512];
  boost::system::error_code ec;
  while (!closed_) {
    co_await io_->stream.async_read_some(asio::buffer(scratch),
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  if (!closed_) {
    closed_ = true;
    io_->wake.cancel();
  }
}

void StreamSession::finish() {
  closed_ = true;
  boost::system::error_code ignored;
  io_->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  io_->stream.socket().close(ignored);
  // Producers waiting for `written` learn that nothing more will be written.
  auto dropped = std::move(outbox_);
  outbox_.clear();
  for (auto& [bytes, written] : dropped) {
    if (written) written();
  }
  if (auto handler = std::move(on_close_)) handler();
  on_close_ = nullptr;
}

void StreamSession::send(std::string bytes, Written written) {
  auto held = io_.hold();
  if (io_.released()) {  // the server stopped: nothing more is written
    held.unlock();
    if (written) written();
    return;
  }
  asio::post(io_->stream.get_executor(), [self = shared_from_this(), bytes = std::move(bytes),
                                      written = std::move(written)]() mutable {
    if (self->closed_) {
      if (written) written();
      return;
    }
    if (self->queued_bytes_ + bytes.size() > self->max_queued_bytes_ && !self->skipped_ &&
        bytes.size() <= self->max_queued_bytes_) {
      // Skip to the newest: what waits is older than what comes.
      self->skipped_ = true;
      auto dropped = std::move(self->outbox_);
      self->outbox_.clear();
      self->queued_bytes_ = 0;
      for (auto& entry : dropped) {
        if (entry.second) entry.second();
      }
    }
    if (self->outbox_.size() >= self->max_queued_ ||
        self->queued_bytes_ + bytes.size() > self->max_queued_bytes_) {
      if (written) written();
      self->close();
      return;
    }
    self->queued_bytes_ += bytes.size();
    self->outbox_.emplace_back(std::move(bytes), std::move(written));
    self->io_->wake.cancel();
  });
}

void StreamSession::close() {
  auto held = io_.hold();
  if (io_.released()) return;
  asio::post(io_->stream.get_executor(), [self = shared_from_this()] {
    if (self->closed_) return;
    self->closed_ = true;
    self->io_->wake.cancel();
    boost::system::error_code ignored;
    self->io_->stream.socket().cancel(ignored);  // ends a write in progress and watch_peer's read
  });
}

void StreamSession::release_io() {
  io_.release();
  // The server's threads are joined: nothing runs on the strand any more.
  closed_ = true;
  auto dropped = std::move(outbox_);
  outbox_.clear();
  queued_bytes_ = 0;
  for (auto& [bytes, written] : dropped) {
    if (written) written();
  }
  on_close_ = nullptr;  // not called at a server stop (see on_close); cycles broken
}

}  // namespace tmon::http
