#include "listening_port.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace tmon::testing {
namespace {

// Socket inodes among the open file descriptors of `pid`.
std::set<unsigned long> socket_inodes_of(pid_t pid) {
  std::set<unsigned long> inodes;
  std::error_code ec;
  const std::filesystem::path fds = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& entry : std::filesystem::directory_iterator(fds, ec)) {
    const std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (!ec && target.starts_with("socket:[")) {
      inodes.insert(std::stoul(target.substr(8)));
    }
  }
  return inodes;
}

// The local port of a listening socket (state 0A) of /proc/net/tcp with one
// of `inodes`.
std::optional<int> listening_port_among(const std::set<unsigned long>& inodes) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
    unsigned long inode = 0;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    if (state != "0A" || !inodes.contains(inode)) continue;
    return std::stoi(local.substr(local.find(':') + 1), nullptr, 16);
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> listening_port_of(pid_t pid, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (const auto port = listening_port_among(socket_inodes_of(pid))) return port;
    if (std::chrono::steady_clock::now() >= give_up) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int candidate_port() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  const int low = 10000;
  const int high = std::max(low + 1000, ephemeral_low) - 1;
  static thread_local std::mt19937 random{std::random_device{}()};
  return std::uniform_int_distribution<int>(low, high)(random);
}

}  // namespace tmon::testing
