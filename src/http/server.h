#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "http/router.h"

namespace tmon::http {

struct ServerOptions {
  std::string name = "http";  // for logs
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port; see Server::port()
  int threads = 1;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  Millis idle_timeout{30'000};  // keep-alive connections idle longer are closed
  size_t max_websocket_queue = 256;  // messages a slow WebSocket client may lag behind
};

// An HTTP/1.1 server on Boost.Beast with one coroutine per connection and
// keep-alive, and WebSocket upgrades for the router's WebSocket paths.
// Bodies and headers are bounded (413/431 beyond the limits); malformed
// requests get 400. Runs on its own threads until stop().
class Server {
 public:
  static Result<std::unique_ptr<Server>> start(ServerOptions options,
                                               std::shared_ptr<const Router> router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  // Stops accepting, closes connections and joins the threads. Idempotent.
  void stop();

 private:
  Server(ServerOptions options, std::shared_ptr<const Router> router);

  ServerOptions options_;
  std::shared_ptr<const Router> router_;
  // Destroyed in stop(): that closes the listener and every open connection.
  std::unique_ptr<boost::asio::io_context> io_ = std::make_unique<boost::asio::io_context>();
  int port_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace tmon::http
