#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"

namespace tmon::bus {

// Accepts TCP connections on a fixed loopback port and relays each to a target
// address. The embedded broker listens on ephemeral ports; this gives
// `tmon broker --port P` a stable bootstrap address. Kafka clients then follow
// the broker's advertised (ephemeral) addresses, which are also on loopback.
class TcpForwarder {
 public:
  static Result<std::unique_ptr<TcpForwarder>> start(const std::string& listen_host,
                                                     int listen_port,
                                                     const std::string& target_host,
                                                     int target_port);
  ~TcpForwarder();
  int port() const { return port_; }

 private:
  TcpForwarder() = default;

  boost::asio::io_context io_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace tmon::bus
