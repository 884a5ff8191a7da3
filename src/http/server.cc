#include "http/server.h"

#include <atomic>
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
#include <map>
#include <mutex>

#include "common/logging.h"
#include "common/version.h"
#include "http/server_bound.h"

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

// The peer address a connection came from, loopback or not.
Peer peer_of(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return Peer{"unknown", false};
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return Peer{address.to_string(), address.is_loopback()};
}

}  // namespace

// Open connections in total and per peer address, under the caps.
struct ConnectionTable {
  std::mutex mu;
  size_t total = 0;
  std::map<std::string, size_t> per_peer;
  std::atomic<size_t> refused{0};
  std::atomic<size_t> timed_out{0};
  std::atomic<size_t> streams{0};
  // WebSocket and stream sessions, released by Server::stop().
  SessionRegistry sessions;

  bool admit_stream(const ServerOptions& options) {
    if (streams.fetch_add(1) < options.max_stream_clients) return true;
    --streams;
    ++refused;
    return false;
  }

  bool admit(const Peer& peer, const ServerOptions& options) {
    std::lock_guard lock(mu);
    if (total >= options.max_connections ||
        (!peer.loopback && per_peer[peer.address] >= options.max_connections_per_peer)) {
      if (per_peer[peer.address] == 0) per_peer.erase(peer.address);
      ++refused;
      return false;
    }
    ++total;
    ++per_peer[peer.address];
    return true;
  }
  void release(const Peer& peer) {
    std::lock_guard lock(mu);
    --total;
    if (--per_peer[peer.address] == 0) per_peer.erase(peer.address);
  }
};

namespace {

using Connections = std::shared_ptr<ConnectionTable>;

// Releases a connection's place when its coroutine ends, however it ends.
struct Admitted {
  Connections connections;
  Peer peer;
  ~Admitted() { connections->release(peer); }
};

// A live client's place (WebSocket or event stream), released with it.
struct StreamPlace {
  Connections connections;
  ~StreamPlace() { --connections->streams; }
};

Response too_many_live_clients() {
  return error_response(Status::service_unavailable, "too many live clients",
                        "too many WebSocket and event-stream clients: try again later");
}

asio::awaitable<void> write_refusal(beast::tcp_stream& stream, Response response, unsigned version,
                                    const ServerOptions& options) {
  boost::system::error_code ec;
  response.version(version);
  response.keep_alive(false);
  response.set(beast_http::field::server, kServiceName);
  response.prepare_payload();
  stream.expires_after(options.write_timeout);
  co_await beast_http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> serve_connection(beast::tcp_stream stream,
                                       std::shared_ptr<const Router> router,
                                       const ServerOptions& options, Connections connections,
                                       Peer peer) {
  const Admitted admitted{connections, peer};
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  while (true) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
    if (buffer.size() == 0) {
      // Idle keep-alive: wait for the next request's first bytes.
      stream.expires_after(options.idle_timeout);
      const size_t got = co_await stream.async_read_some(
          buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      buffer.commit(got);
    }
    // From the first byte, the whole request must arrive in time.
    stream.expires_after(options.request_timeout);
    co_await beast_http::async_read(stream, buffer, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == beast::error::timeout) ++connections->timed_out;
      if (auto response = response_for_read_error(ec)) {
        co_await write_refusal(stream, std::move(*response), 11, options);
      }
      break;
    }
    Request request = parser.release();
    if (boost::beast::websocket::is_upgrade(request)) {
      if (const WebSocketHandler* handler = router->websocket_handler(request.target())) {
        auto grant = router->authorize_upgrade(request, peer);
        if (auto* refused = std::get_if<Response>(&grant)) {
          co_await write_refusal(stream, std::move(*refused), request.version(), options);
          break;
        }
        if (!connections->admit_stream(options)) {
          co_await write_refusal(stream, too_many_live_clients(), request.version(), options);
          break;
        }
        const StreamPlace place{connections};
        auto session = std::make_shared<WebSocketSession>(std::move(stream), options.max_body_bytes,
                                                          options.max_websocket_queue,
                                                          options.max_client_queue_bytes);
        connections->sessions.add(session);
        session->set_grant(std::get<WsGrant>(grant));
        co_await session->run(std::move(request), *handler);
        co_return;
      }
    }
    std::optional<Response> answer;
    if (auto opened = router->open_stream(request, peer)) {
      if (auto* start = std::get_if<StreamStart>(&*opened)) {
        if (!connections->admit_stream(options)) {
          co_await write_refusal(stream, too_many_live_clients(), request.version(), options);
          break;
        }
        const StreamPlace place{connections};
        auto session =
            std::make_shared<StreamSession>(std::move(stream), options.max_websocket_queue,
                                            options.max_client_queue_bytes, options.write_timeout);
        connections->sessions.add(session);
        co_await session->run(std::move(request), std::move(*start));
        co_return;
      }
      answer = std::get<Response>(std::move(*opened));
    } else {
      answer = co_await router->dispatch(request, peer);
    }
    Response response = std::move(*answer);
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.set(beast_http::field::server, kServiceName);
    response.prepare_payload();
    stream.expires_after(options.write_timeout);
    co_await beast_http::async_write(stream, response,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec == beast::error::timeout) ++connections->timed_out;
    if (ec || !response.keep_alive()) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                  std::shared_ptr<const Router> router,
                                  const ServerOptions& options, Connections connections) {
  while (true) {
    boost::system::error_code ec;
    // Each connection on a strand of its own: a WebSocket writes from other
    // threads' posts while its read loop runs.
    tcp::socket socket = co_await acceptor->async_accept(
        asio::make_strand(acceptor->get_executor()), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    Peer peer = peer_of(socket);
    if (!connections->admit(peer, options)) {
      socket.close(ec);  // over a cap: no coroutine, no buffer, nothing held
      continue;
    }
    // The connection's coroutine runs on the connection's strand too, so it
    // never races the posts of other threads (WebSocket and stream sends).
    auto executor = socket.get_executor();
    asio::co_spawn(executor,
                   serve_connection(beast::tcp_stream(std::move(socket)), router, options,
                                    connections, std::move(peer)),
                   asio::detached);
  }
}

}  // namespace

Server::Server(ServerOptions options, std::shared_ptr<const Router> router)
    : options_(std::move(options)),
      router_(std::move(router)),
      connections_(std::make_shared<ConnectionTable>()) {}

ServerStats Server::stats() const {
  std::lock_guard lock(connections_->mu);
  return ServerStats{connections_->total, connections_->refused.load(),
                     connections_->timed_out.load(), connections_->streams.load()};
}

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
  asio::co_spawn(*self->io_,
                 accept_loop(acceptor, self->router_, self->options_, self->connections_),
                 asio::detached);
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
  // Sessions the application still holds must not touch io_ once it is gone.
  connections_->sessions.release_all();
  io_.reset();
}

Server::~Server() {
  stop();
}

}  // namespace tmon::http
