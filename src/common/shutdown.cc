#include "common/shutdown.h"

#include <signal.h>

#include <cstdlib>
#include <ctime>

#include "common/logging.h"

namespace tmon {

void Shutdown::request() {
  {
    std::lock_guard lock(mu_);
    requested_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

bool Shutdown::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return requested(); });
  return requested();
}

void Shutdown::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return requested(); });
}

namespace {
sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}
}  // namespace

SignalWatcher::SignalWatcher(Shutdown& shutdown, std::function<void()> on_reload)
    : shutdown_(shutdown), on_reload_(std::move(on_reload)) {
  // Writes to closed sockets must fail with EPIPE, not kill the process.
  signal(SIGPIPE, SIG_IGN);
  sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { run(); });
}

SignalWatcher::~SignalWatcher() {
  stop_ = true;
  thread_.join();
}

void SignalWatcher::run() {
  const sigset_t set = watched_signals();
  const timespec poll_interval{0, 200'000'000};
  while (!stop_) {
    const int sig = sigtimedwait(&set, nullptr, &poll_interval);
    if (sig < 0) continue;  // timeout or EINTR
    if (sig == SIGHUP) {
      get_logger("app")->info("SIGHUP received: reloading configuration");
      if (on_reload_) on_reload_();
      continue;
    }
    if (shutdown_.requested() && sig == SIGINT) {
      get_logger("app")->warn("second interrupt: exiting without draining");
      std::_Exit(130);
    }
    get_logger("app")->info("{} received: stopping (Ctrl-C again to force)",
                            sig == SIGINT ? "SIGINT" : "SIGTERM");
    shutdown_.request();
  }
}

}  // namespace tmon
