#pragma once

#include <memory>
#include <string>

#include "child_process.h"

namespace tmon::testing {

// A real redis-server for tests. Uses the one scripts/test.sh started
// (TMON_TEST_REDIS_URL) when set; otherwise starts a private one on a
// loopback port, without persistence, and stops it afterwards.
//
// redis-server cannot listen on port 0, so a private one is started on a
// candidate port (listening_port.h) and again on another when the bind
// fails; it counts as started only once the server answering on the port
// reports our child's process id (INFO server), so a foreign server that
// holds the port is never taken for ours.
class TestRedis {
 public:
  TestRedis();
  // Always a private server, even under scripts/test.sh: for tests that
  // stop Redis and start it again.
  struct Private {};
  explicit TestRedis(Private);
  // A private server that tries `first_port` before random candidates (for
  // the test that a foreign server there is not taken for ours).
  TestRedis(Private, int first_port);
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // The private server's process id (0 for the shared one).
  pid_t pid() const { return process_ ? process_->pid() : 0; }

  // Private servers only: stop it (SIGKILL: clients see the connection drop),
  // and start it again on the same port. restart() returns once it accepts.
  void kill();
  bool restart();

 private:
  bool launch(int port);
  void launch_on_some_port();

  std::unique_ptr<ChildProcess> process_;
  std::string url_;
  int port_ = 0;
};

}  // namespace tmon::testing
