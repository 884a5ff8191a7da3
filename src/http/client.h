#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "http/types.h"
#include "http/url.h"

namespace tmon::http {

struct ClientOptions {
  Millis connect_timeout{5'000};
  size_t max_idle_per_origin = 256;  // kept-alive connections parked per origin
  size_t max_response_bytes = 16 << 20;
  // PEM file of CAs to trust for https; empty: the system's (ca-certificates).
  std::string ca_file;
};

// An asynchronous HTTP/1.1 client over kept-alive, pooled connections (plain
// or TLS with certificate and host name verification), so thousands of calls
// in flight cost sockets, not threads.
//
// Thread-safe; every send() must run on executors of the same io_context,
// and the client must be destroyed before that io_context (its parked
// connections are sockets of it).
// Errors are values: kTimeout when the deadline passed, kUnavailable for
// connection failures; an HTTP error status is a response, not an Error.
class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` (its target set; Host is filled in) to `url`'s origin.
  // `timeout` bounds the whole exchange: connect, handshake, write and read.
  // `on_written`, when set, runs on the sending coroutine each time the
  // request has been written whole (again if it is resent on a fresh
  // connection): the moment a server can start counting it.
  boost::asio::awaitable<Result<Response>> send(Url url, Request request, Millis timeout,
                                                std::function<void()> on_written = {});
  // Opens connections to `url`'s origin until `idle` wait parked (at most
  // max_idle_per_origin), so sends find one ready. Returns how many it opened;
  // stops at the first failure.
  boost::asio::awaitable<size_t> prewarm(Url url, size_t idle, Millis timeout);
  // Connections opened so far (a warm pool keeps this flat under load).
  uint64_t connections_opened() const { return opened_.load(); }

 private:
  struct Connection;
  using ConnectionPtr = std::unique_ptr<Connection>;

  ConnectionPtr take_idle(const std::string& origin);
  void park(const std::string& origin, ConnectionPtr connection);
  boost::asio::awaitable<Result<ConnectionPtr>> connect(const Url& url, SteadyTime deadline);

  ClientOptions options_;
  boost::asio::ssl::context tls_context_;
  std::mutex mu_;
  std::map<std::string, std::vector<ConnectionPtr>> idle_;
  std::atomic<uint64_t> opened_{0};
};

}  // namespace tmon::http
