#pragma once

#include <memory>

#include "http/client.h"
#include "http/io_threads.h"

namespace tmon::http {

// Client with a thread of its own, for command-line tools and benchmarks
// that make one call at a time and wait for it. Not for servers: each
// call blocks the caller until the answer or the timeout.
class BlockingClient {
 public:
  explicit BlockingClient(ClientOptions options = {});
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  Result<Response> send(const Url& url, Request request, Millis timeout);

 private:
  IoThreads io_;  // declared first: outlives the client's parked sockets
  std::unique_ptr<Client> client_;
};

}  // namespace tmon::http
