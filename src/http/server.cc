#include "http/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "common/logging.h"
#include "common/version.h"

namespace tmon::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

// Maps a failed read to the response the client deserves, or nullopt when the
// connection just ended (closed, timed out) and nobody is listening.
std::optional<Response> response_for_read_error(const boost::system::error_code& ec) {
  if (ec == beast_http::error::body_limit) {
    return error_response(Status::payload_too_large, "payload_too_large", "request body too large");
  }
  if (ec == beast_http::error::header_limit) {
    return error_response(Status::request_header_fields_too_large, "header_too_large",
                          "request headers too large");
  }
  // Any other parser error means the bytes were not HTTP; end_of_stream and
  // partial_message mean the client went away, and there is no one to answer.
  const auto& parser_errors = beast_http::make_error_code(beast_http::error::bad_method).category();
  if (ec.category() == parser_errors && ec != beast_http::error::end_of_stream &&
      ec != beast_http::error::partial_message) {
    return error_response(Status::bad_request, "bad_request",
                          "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

asio::awaitable<void> serve_connection(beast::tcp_stream stream,
                                       std::shared_ptr<const Router> router,
                                       const ServerOptions& options) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  while (true) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
    stream.expires_after(options.idle_timeout);
    co_await beast_http::async_read(stream, buffer, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (auto response = response_for_read_error(ec)) {
        response->keep_alive(false);
        response->set(beast_http::field::server, kServiceName);
        co_await beast_http::async_write(stream, *response,
                                         asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    Request request = parser.release();
    if (boost::beast::websocket::is_upgrade(request)) {
      if (const WebSocketHandler* handler = router->websocket_handler(request.target())) {
        auto session = std::make_shared<WebSocketSession>(std::move(stream), options.max_body_bytes,
                                                          options.max_websocket_queue);
        co_await session->run(std::move(request), *handler);
        co_return;
      }
    }
    std::optional<Response> answer;
    if (auto opened = router->open_stream(request)) {
      if (auto* start = std::get_if<StreamStart>(&*opened)) {
        auto session =
            std::make_shared<StreamSession>(std::move(stream), options.max_websocket_queue);
        co_await session->run(std::move(request), std::move(*start));
        co_return;
      }
      answer = std::get<Response>(std::move(*opened));
    } else {
      answer = co_await router->dispatch(request);
    }
    Response response = std::move(*answer);
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.set(beast_http::field::server, kServiceName);
    response.prepare_payload();
    stream.expires_after(options.idle_timeout);
    co_await beast_http::async_write(stream, response,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !response.keep_alive()) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                  std::shared_ptr<const Router> router,
                                  const ServerOptions& options) {
  while (true) {
    boost::system::error_code ec;
    // Each connection on a strand of its own: a WebSocket writes from other
    // threads' posts while its read loop runs.
    tcp::socket socket = co_await acceptor->async_accept(
        asio::make_strand(acceptor->get_executor()), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    // The connection's coroutine runs on the connection's strand too, so it
    // never races the posts of other threads (WebSocket and stream sends).
    auto executor = socket.get_executor();
    asio::co_spawn(executor,
                   serve_connection(beast::tcp_stream(std::move(socket)), router, options),
                   asio::detached);
  }
}

}  // namespace

Server::Server(ServerOptions options, std::shared_ptr<const Router> router)
    : options_(std::move(options)), router_(std::move(router)) {}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options,
                                              std::shared_ptr<const Router> router) {
  std::unique_ptr<Server> self(new Server(std::move(options), std::move(router)));
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(self->options_.host, ec);
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument, "bad listen address " + self->options_.host);
  }
  auto acceptor = std::make_shared<tcp::acceptor>(*self->io_);
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(self->options_.port));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(ErrorCode::kUnavailable,
                      self->options_.name + ": cannot listen on " + self->options_.host + ":" +
                          std::to_string(self->options_.port) + ": " + ec.message());
  }
  self->port_ = acceptor->local_endpoint().port();
  asio::co_spawn(*self->io_, accept_loop(acceptor, self->router_, self->options_), asio::detached);
  for (int i = 0; i < std::max(1, self->options_.threads); ++i) {
    self->threads_.emplace_back([io = self->io_.get()] { io->run(); });
  }
  get_logger("http")->info("{} listening on http://{}:{}", self->options_.name, self->options_.host,
                           self->port_);
  return self;
}

void Server::stop() {
  if (!io_) return;
  io_->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  io_.reset();
}

Server::~Server() {
  stop();
}

}  // namespace tmon::http
