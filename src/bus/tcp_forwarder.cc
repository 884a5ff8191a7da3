#include "bus/tcp_forwarder.h"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/logging.h"

namespace tmon::bus {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::awaitable<void> pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
  std::array<char, 16384> buffer;
  boost::system::error_code ec;
  while (true) {
    const size_t n = co_await from->async_read_some(asio::buffer(buffer),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(*to, asio::buffer(buffer.data(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  // Closing both ends stops the opposite pump too.
  from->close(ec);
  to->close(ec);
}

asio::awaitable<void> relay(tcp::socket client, tcp::endpoint target) {
  auto inbound = std::make_shared<tcp::socket>(std::move(client));
  auto outbound = std::make_shared<tcp::socket>(inbound->get_executor());
  boost::system::error_code ec;
  co_await outbound->async_connect(target, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    get_logger("bus")->warn("forwarder: connect to {}:{} failed: {}", target.address().to_string(),
                            target.port(), ec.message());
    co_return;
  }
  const auto executor = inbound->get_executor();
  asio::co_spawn(executor, pump(inbound, outbound), asio::detached);
  asio::co_spawn(executor, pump(outbound, inbound), asio::detached);
}

asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, tcp::endpoint target) {
  while (true) {
    boost::system::error_code ec;
    tcp::socket client =
        co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;
    }
    asio::co_spawn(acceptor->get_executor(), relay(std::move(client), target), asio::detached);
  }
}

}  // namespace

Result<std::unique_ptr<TcpForwarder>> TcpForwarder::start(const std::string& listen_host,
                                                          int listen_port,
                                                          const std::string& target_host,
                                                          int target_port) {
  std::unique_ptr<TcpForwarder> self(new TcpForwarder());
  boost::system::error_code ec;
  const auto listen_address = asio::ip::make_address(listen_host, ec);
  const auto target_address = asio::ip::make_address(target_host, ec);
  if (ec) return make_error(ErrorCode::kInvalidArgument, "forwarder address: " + ec.message());
  auto acceptor = std::make_shared<tcp::acceptor>(self->io_);
  const tcp::endpoint endpoint(listen_address, static_cast<uint16_t>(listen_port));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(
        ErrorCode::kUnavailable,
        "listen on " + listen_host + ":" + std::to_string(listen_port) + ": " + ec.message());
  }
  self->port_ = acceptor->local_endpoint().port();
  asio::co_spawn(
      self->io_,
      accept_loop(acceptor, tcp::endpoint(target_address, static_cast<uint16_t>(target_port))),
      asio::detached);
  self->thread_ = std::thread([io = &self->io_] { io->run(); });
  return self;
}

TcpForwarder::~TcpForwarder() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tmon::bus
