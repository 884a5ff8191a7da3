#include "redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "listening_port.h"

namespace tmon::testing {
namespace {

// The process id the Redis server on 127.0.0.1:port reports (INFO server),
// or -1 when nothing there answers like Redis.
long redis_process_id(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  std::string reply;
  const std::string request = "INFO server\r\n";
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    // The reply is one bulk string of a few KiB; read until the field shows.
    while (reply.size() < 64 * 1024 && reply.find("\r\nprocess_id:") == std::string::npos) {
      const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      reply.append(buffer, static_cast<size_t>(got));
    }
    const size_t field = reply.find("\r\nprocess_id:");
    const size_t end = field == std::string::npos ? field : reply.find("\r\n", field + 2);
    close(fd);
    if (end == std::string::npos) return -1;
    return std::atol(reply.c_str() + field + 13);
  }
  close(fd);
  return -1;
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
  launch_on_some_port();
}

TestRedis::TestRedis(Private) {
  launch_on_some_port();
}

TestRedis::TestRedis(Private, int first_port) {
  if (!launch(first_port)) launch_on_some_port();
}

void TestRedis::launch_on_some_port() {
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (launch(candidate_port())) return;
  }
  throw std::runtime_error("could not start redis-server (is it installed? run scripts/setup.sh)");
}

bool TestRedis::launch(int port) {
  port_ = port;
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"redis-server", "--port", std::to_string(port_), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "no"});
  // A child that cannot bind exits at once; one that answers is ours only
  // if it says so.
  for (int i = 0; i < 100 && process_->running(); ++i) {
    if (redis_process_id(port_) == process_->pid()) {
      url_ = "redis://127.0.0.1:" + std::to_string(port_) + "/0";
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  process_.reset();  // stopped if it still runs
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
  // slow exit. (The same port, not a new one: clients were given it.)
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (launch(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace tmon::testing
