#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace tmon::testing {

// A WebSocket client for tests: connects to ws://127.0.0.1:port/path, reads
// every message on a background thread, and lets the test wait (bounded)
// for the one it expects.
class WsClient {
 public:
  // Connects and completes the handshake; check connected().
  WsClient(int port, const std::string& path);
  // With more upgrade request headers (Origin, Authorization, Cookie).
  WsClient(int port, const std::string& path, std::map<std::string, std::string> headers);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  bool connected() const { return connected_; }
  void send(const std::string& text);
  // The first received message (not returned before) that `matches`,
  // waiting up to `timeout`; earlier non-matching messages stay queued.
  std::optional<std::string> wait_for(const std::function<bool(const std::string&)>& matches,
                                      std::chrono::milliseconds timeout);
  // Messages received and not yet returned by wait_for.
  size_t pending() const;
  // True once the server closed the connection.
  bool closed() const;

 private:
  struct Io;
  void read_next();

  std::unique_ptr<Io> io_;
  bool connected_ = false;
  mutable std::mutex mu_;
  std::condition_variable arrived_;
  std::deque<std::string> received_;
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace tmon::testing
