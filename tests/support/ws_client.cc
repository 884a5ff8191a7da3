#include "ws_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <future>

namespace tmon::testing {

namespace beast = boost::beast;

struct WsClient::Io {
  boost::asio::io_context context;
  beast::websocket::stream<beast::tcp_stream> ws{context};
  beast::flat_buffer buffer;
  std::deque<std::string> outbox;  // on the io thread
};

WsClient::WsClient(int port, const std::string& path) : WsClient(port, path, {}) {}

WsClient::WsClient(int port, const std::string& path, std::map<std::string, std::string> headers)
    : io_(std::make_unique<Io>()) {
  io_->ws.set_option(beast::websocket::stream_base::decorator(
      [headers = std::move(headers)](beast::websocket::request_type& request) {
        for (const auto& [name, value] : headers) request.set(name, value);
      }));
  boost::system::error_code ec;
  auto& tcp = beast::get_lowest_layer(io_->ws);
  tcp.expires_after(std::chrono::seconds(5));
  tcp.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)}, ec);
  if (ec) return;
  io_->ws.handshake("127.0.0.1:" + std::to_string(port), path, ec);
  if (ec) return;
  tcp.expires_never();
  connected_ = true;
  read_next();
  thread_ = std::thread([this] { io_->context.run(); });
}

WsClient::~WsClient() {
  if (!thread_.joinable()) return;
  boost::asio::post(io_->context, [this] {
    boost::system::error_code ignored;
    beast::get_lowest_layer(io_->ws).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both,
                                                       ignored);
    beast::get_lowest_layer(io_->ws).close();
  });
  thread_.join();
}

void WsClient::read_next() {
  io_->ws.async_read(io_->buffer, [this](beast::error_code ec, size_t) {
    std::lock_guard lock(mu_);
    if (ec) {
      closed_ = true;
      arrived_.notify_all();
      return;
    }
    received_.push_back(beast::buffers_to_string(io_->buffer.data()));
    io_->buffer.consume(io_->buffer.size());
    arrived_.notify_all();
    read_next();
  });
}

void WsClient::send(const std::string& text) {
  if (!connected_) return;
  std::promise<void> written;
  boost::asio::post(io_->context, [this, &text, &written] {
    boost::system::error_code ignored;
    io_->ws.text(true);
    io_->ws.write(boost::asio::buffer(text), ignored);  // one writer: this thread
    written.set_value();
  });
  written.get_future().wait();
}

std::optional<std::string> WsClient::wait_for(
    const std::function<bool(const std::string&)>& matches, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  size_t scanned = 0;
  while (true) {
    for (; scanned < received_.size(); ++scanned) {
      if (matches(received_[scanned])) {
        std::string found = std::move(received_[scanned]);
        received_.erase(received_.begin() + static_cast<std::ptrdiff_t>(scanned));
        return found;
      }
    }
    if (closed_) return std::nullopt;
    if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout &&
        scanned == received_.size()) {
      return std::nullopt;
    }
  }
}

size_t WsClient::pending() const {
  std::lock_guard lock(mu_);
  return received_.size();
}

bool WsClient::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace tmon::testing
