#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace tmon::http {

// A long-lived session (WebSocket, event stream) is shared with the
// application, which may hold it past Server::stop(): a live feed thread,
// a list of viewers. Its socket and timers belong to the server's
// io_context, which stop() destroys. So the server releases every session it
// made once its threads are joined and before the io_context goes; a
// released session drops what is sent to it, and its destructor, whenever
// the application lets go of it, touches nothing of the server's.
class ReleasableSession {
 public:
  virtual ~ReleasableSession() = default;
  // Called by the server with its io threads joined (nothing runs on the
  // session's strand): destroy the io objects, hand back queued `written`.
  virtual void release_io() = 0;
};

// The io objects of a session (`Io`: a stream, a timer...), and the rule for
// reaching them from other threads: hold() the lock, and post to their
// executor only if !released(). On the session's strand they are used
// directly: nothing runs there once they are released.
template <class Io>
class ServerBound {
 public:
  template <class... Args>
  explicit ServerBound(Args&&... args) : io_(std::in_place, std::forward<Args>(args)...) {}

  Io& operator*() { return *io_; }
  Io* operator->() { return &*io_; }

  [[nodiscard]] std::unique_lock<std::mutex> hold() { return std::unique_lock(mu_); }
  // Under hold().
  bool released() const { return !io_.has_value(); }
  // Destroys the io objects while their io_context still exists.
  void release() {
    std::lock_guard lock(mu_);
    io_.reset();
  }

 private:
  std::mutex mu_;
  std::optional<Io> io_;
};

// The sessions a server made, weakly: released all at once by stop().
// Expired entries are pruned as it grows, so it holds at most about twice
// the live sessions.
class SessionRegistry {
 public:
  void add(const std::shared_ptr<ReleasableSession>& session);
  void release_all();

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<ReleasableSession>> sessions_;
  size_t prune_at_ = 64;
};

}  // namespace tmon::http
