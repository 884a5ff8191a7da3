#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tmon {

// A helper process a command starts and owns (the benchmark's mock provider
// or redis-server): its stdout is readable line by line, its stderr goes to
// a file, and it is stopped (SIGTERM, then SIGKILL) when the object dies.
class Subprocess {
 public:
  // Starts argv[0] (searched in PATH) with the given arguments.
  static std::optional<Subprocess> start(const std::vector<std::string>& argv,
                                         const std::string& stderr_file = "/dev/null");
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  ~Subprocess();

  // The next line of stdout, or nullopt at EOF or after the timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }
  void stop();

 private:
  Subprocess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

// This executable's path (for starting helper subcommands of tmon itself).
std::string self_executable();

}  // namespace tmon
