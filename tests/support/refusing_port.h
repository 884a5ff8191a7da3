#pragma once

namespace tmon::testing {

// A loopback TCP port that refuses connections for as long as this object
// lives: bound (so no one else gets it) and never listening. For a source or
// server that must be unreachable, with no pick-a-port race.
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace tmon::testing
