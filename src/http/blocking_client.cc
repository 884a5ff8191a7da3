#include "http/blocking_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

namespace tmon::http {

BlockingClient::BlockingClient(ClientOptions options)
    : io_(1), client_(std::make_unique<Client>(std::move(options))) {}

BlockingClient::~BlockingClient() {
  client_.reset();  // its parked sockets belong to io_'s context
  io_.stop();
}

Result<Response> BlockingClient::send(const Url& url, Request request, Millis timeout) {
  auto future = boost::asio::co_spawn(
      io_.context(), client_->send(url, std::move(request), timeout), boost::asio::use_future);
  return future.get();
}

}  // namespace tmon::http
