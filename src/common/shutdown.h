#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace tmon {

// A one-way latch that long-running loops watch to know when to stop.
class Shutdown {
 public:
  void request();
  bool requested() const { return requested_.load(std::memory_order_acquire); }
  // Sleeps until requested or the timeout passes; returns requested().
  bool wait_for(std::chrono::milliseconds timeout);
  void wait();

 private:
  std::atomic<bool> requested_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

// Turns SIGINT/SIGTERM into shutdown.request() and SIGHUP into on_reload().
// Construct it in main() before any other thread starts: it blocks those
// signals for the whole process and receives them on its own thread, so no
// handler runs in async-signal context. A second SIGINT exits immediately.
class SignalWatcher {
 public:
  explicit SignalWatcher(Shutdown& shutdown, std::function<void()> on_reload = {});
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  void run();

  Shutdown& shutdown_;
  std::function<void()> on_reload_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tmon
