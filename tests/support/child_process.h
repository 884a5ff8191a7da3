#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace tmon::testing {

// A child process for integration tests: started with argv, its stdout and
// stderr captured to files, killed (SIGTERM, then SIGKILL) when destroyed, so
// a failing test never leaves servers behind.
class ChildProcess {
 public:
  // `env` entries are added to (or replace in) the inherited environment.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for exit; returns the exit code (128+signal when killed), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

  // Waits until a line of stdout matches; returns the first capture group (or the
  // whole line) or nullopt on timeout or exit.
  std::optional<std::string> wait_for_stdout(const std::regex& pattern,
                                             std::chrono::milliseconds timeout);
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string stdout_path_;
  std::string stderr_path_;
};

}  // namespace tmon::testing
