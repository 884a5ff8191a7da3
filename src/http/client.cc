#include "http/client.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/version.hpp>

#include "common/clock.h"
#include "common/version.h"

namespace tmon::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

struct Client::Connection {
  // Exactly one of the two is set.
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& tcp() { return plain ? *plain : beast::get_lowest_layer(*tls); }
  bool is_open() { return tcp().socket().is_open(); }
};

namespace {

Millis remaining(SteadyTime deadline) {
  const auto left = std::chrono::duration_cast<Millis>(deadline - SystemClock::instance().now());
  return std::max(left, Millis(1));
}

Error to_error(const boost::system::error_code& ec, std::string_view what) {
  const bool timed_out = ec == beast::error::timeout;
  return Error{timed_out ? ErrorCode::kTimeout : ErrorCode::kUnavailable,
               std::string(what) + ": " + (timed_out ? "timed out" : ec.message())};
}

// A parked connection the server closed meanwhile fails on first use with one
// of these, before any response byte; the request can safely go out again.
bool is_stale_connection_error(const boost::system::error_code& ec) {
  return ec == beast_http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

template <typename Stream>
asio::awaitable<boost::system::error_code> exchange(Stream& stream, beast::tcp_stream& tcp,
                                                    beast::flat_buffer& buffer,
                                                    const Request& request, Response& response,
                                                    SteadyTime deadline, size_t body_limit,
                                                    const std::function<void()>& on_written) {
  boost::system::error_code ec;
  tcp.expires_after(remaining(deadline));
  co_await beast_http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  if (on_written) on_written();
  beast_http::response_parser<beast_http::string_body> parser;
  parser.body_limit(body_limit);
  tcp.expires_after(remaining(deadline));
  co_await beast_http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) response = parser.release();
  co_return ec;
}

}  // namespace

Client::Client(ClientOptions options)
    : options_(options), tls_context_(asio::ssl::context::tls_client) {
  if (options_.ca_file.empty()) {
    tls_context_.set_default_verify_paths();
  } else {
    tls_context_.load_verify_file(options_.ca_file);
  }
  tls_context_.set_verify_mode(asio::ssl::verify_peer);
}

Client::~Client() = default;

Client::ConnectionPtr Client::take_idle(const std::string& origin) {
  std::lock_guard lock(mu_);
  auto& idle = idle_[origin];
  while (!idle.empty()) {
    ConnectionPtr connection = std::move(idle.back());
    idle.pop_back();
    if (connection->is_open()) return connection;
  }
  return nullptr;
}

void Client::park(const std::string& origin, ConnectionPtr connection) {
  std::lock_guard lock(mu_);
  auto& idle = idle_[origin];
  if (idle.size() < options_.max_idle_per_origin) idle.push_back(std::move(connection));
}

asio::awaitable<Result<Client::ConnectionPtr>> Client::connect(const Url& url,
                                                               SteadyTime deadline) {
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(
      url.host, std::to_string(url.port), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return tl::unexpected(to_error(ec, "resolve " + url.host));

  auto connection = std::make_unique<Connection>();
  if (url.tls()) {
    connection->tls =
        std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls_context_);
  } else {
    connection->plain = std::make_unique<beast::tcp_stream>(executor);
  }
  auto& tcp = connection->tcp();
  tcp.expires_after(std::min(options_.connect_timeout, remaining(deadline)));
  co_await tcp.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return tl::unexpected(to_error(ec, "connect " + url.origin()));
  tcp.socket().set_option(tcp::no_delay(true), ec);

  if (url.tls()) {
    // SNI, and the certificate must name the host we asked for.
    if (!SSL_set_tlsext_host_name(connection->tls->native_handle(), url.host.c_str())) {
      co_return tl::unexpected(Error{ErrorCode::kUnavailable, "TLS: cannot set SNI"});
    }
    connection->tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
    tcp.expires_after(remaining(deadline));
    co_await connection->tls->async_handshake(asio::ssl::stream_base::client,
                                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return tl::unexpected(to_error(ec, "TLS handshake with " + url.origin()));
  }
  ++opened_;
  co_return connection;
}

asio::awaitable<size_t> Client::prewarm(Url url, size_t idle, Millis timeout) {
  const std::string origin = url.origin();
  const SteadyTime deadline = SystemClock::instance().now() + timeout;
  const size_t target = std::min(idle, options_.max_idle_per_origin);
  size_t opened = 0;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (idle_[origin].size() >= target) break;
    }
    auto connected = co_await connect(url, deadline);
    if (!connected) break;
    park(origin, std::move(*connected));
    ++opened;
  }
  co_return opened;
}

asio::awaitable<Result<Response>> Client::send(Url url, Request request, Millis timeout,
                                               std::function<void()> on_written) {
  const SteadyTime deadline = SystemClock::instance().now() + timeout;
  const std::string origin = url.origin();
  request.set(beast_http::field::host, url.host);
  request.set(beast_http::field::user_agent, std::string(kServiceName) + "/" + kVersion);
  request.keep_alive(true);
  request.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    ConnectionPtr connection = attempt == 0 ? take_idle(origin) : nullptr;
    const bool reused = connection != nullptr;
    if (!connection) {
      auto connected = co_await connect(url, deadline);
      if (!connected) co_return tl::unexpected(connected.error());
      connection = std::move(*connected);
    }
    Response response;
    const auto ec =
        connection->tls
            ? co_await exchange(*connection->tls, connection->tcp(), connection->buffer, request,
                                response, deadline, options_.max_response_bytes, on_written)
            : co_await exchange(*connection->plain, connection->tcp(), connection->buffer, request,
                                response, deadline, options_.max_response_bytes, on_written);
    if (!ec) {
      if (response.keep_alive()) park(origin, std::move(connection));
      co_return response;
    }
    if (reused && is_stale_connection_error(ec)) continue;  // retry once on a fresh connection
    co_return tl::unexpected(to_error(
        ec, std::string(request.method_string()) + " " + origin + std::string(request.target())));
  }
  co_return tl::unexpected(Error{ErrorCode::kUnavailable, "unreachable"});
}

}  // namespace tmon::http
