#include "redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "free_port.h"

namespace tmon::testing {
namespace {

bool accepts_connections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

int port_of(const std::string& url) {
  const size_t colon = url.rfind(':');
  return std::atoi(url.c_str() + colon + 1);
}

}  // namespace

TestRedis::TestRedis() {
  if (const char* shared = std::getenv("TMON_TEST_REDIS_URL"); shared && *shared) {
    url_ = shared;
    port_ = port_of(url_.substr(0, url_.find('/', 8)));
    return;
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (launch(pick_free_port())) return;
  }
  throw std::runtime_error("could not start redis-server (is it installed? run scripts/setup.sh)");
}

TestRedis::TestRedis(Private) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (launch(pick_free_port())) return;
  }
  throw std::runtime_error("could not start redis-server (is it installed? run scripts/setup.sh)");
}

bool TestRedis::launch(int port) {
  port_ = port;
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"redis-server", "--port", std::to_string(port_), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "no"});
  for (int i = 0; i < 100 && process_->running(); ++i) {
    if (accepts_connections(port_)) {
      url_ = "redis://127.0.0.1:" + std::to_string(port_) + "/0";
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void TestRedis::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(5));
}

bool TestRedis::restart() {
  if (!process_) return false;
  // The port was just released by the killed server; a few tries cover a
  // slow exit.
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (launch(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace tmon::testing
