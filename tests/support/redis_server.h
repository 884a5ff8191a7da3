#pragma once

#include <memory>
#include <string>

#include "child_process.h"

namespace tmon::testing {

// A real redis-server for tests. Uses the one scripts/test.sh started
// (TMON_TEST_REDIS_URL) when set; otherwise starts a private one on a free
// loopback port, without persistence, and stops it afterwards.
class TestRedis {
 public:
  TestRedis();
  // Always a private server, even under scripts/test.sh: for tests that
  // stop Redis and start it again.
  struct Private {};
  explicit TestRedis(Private);
  const std::string& url() const { return url_; }
  int port() const { return port_; }

  // Private servers only: stop it (SIGKILL: clients see the connection drop),
  // and start it again on the same port. restart() returns once it accepts.
  void kill();
  bool restart();

 private:
  bool launch(int port);

  std::unique_ptr<ChildProcess> process_;
  std::string url_;
  int port_ = 0;
};

}  // namespace tmon::testing
