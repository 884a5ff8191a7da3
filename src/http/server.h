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
  // Once a request's first byte arrived, the whole request must within this
  // (a slowloris client trickling headers is cut off).
  Millis request_timeout{10'000};
  Millis write_timeout{
      10'000};  // a response (or stream chunk) not written by then ends the connection
  size_t max_websocket_queue = 256;  // messages a slow WebSocket client may lag behind
  // Bytes a WebSocket or stream client may lag behind: beyond it the queue
  // skips to the newest message, and a client that stays behind is dropped.
  size_t max_client_queue_bytes = 8 << 20;
  // Open connections (WebSocket and streams included), and per peer address
  // (not for loopback peers: a local reverse proxy carries everyone).
  // Beyond them a new connection is closed at once.
  size_t max_connections = 512;
  size_t max_connections_per_peer = 64;
  // WebSocket and event-stream clients at once (they live long and are fed
  // by the process); more are answered 503.
  size_t max_stream_clients = 256;
};

struct ConnectionTable;  // server.cc

// Counters of what a server refused and holds, for tests and metrics.
struct ServerStats {
  size_t connections = 0;          // open now
  size_t refused_connections = 0;  // over a cap, since start
  size_t timed_out_requests = 0;   // request or write not done in time
  size_t stream_clients = 0;       // WebSocket and event-stream clients now
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
  ServerStats stats() const;
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
  std::shared_ptr<ConnectionTable> connections_;
};

}  // namespace tmon::http
