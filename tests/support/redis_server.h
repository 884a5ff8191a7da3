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
  const std::string& url() const { return url_; }
  int port() const { return port_; }

 private:
  std::unique_ptr<ChildProcess> process_;
  std::string url_;
  int port_ = 0;
};

}  // namespace tmon::testing
