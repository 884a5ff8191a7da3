#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace tmon::testing {

// One Server-Sent Event as a client sees it.
struct SseEvent {
  std::string event;  // "message" when the server named none
  std::string data;   // data lines joined by "\n"
};

// A Server-Sent Events client for tests: GETs 127.0.0.1:port + target, reads
// the stream on a background thread and lets the test wait (bounded) for the
// events it expects. Understands close-delimited and plain bodies, not chunked.
class SseClient {
 public:
  SseClient(int port, const std::string& target);
  ~SseClient();  // disconnects
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // Waits (bounded) for the response header; its status code, 0 on failure.
  int wait_for_status(std::chrono::milliseconds timeout);
  // The header block as received (lower-case compare is up to the caller).
  std::string headers() const;
  // The body so far when the server answered with a plain (non-stream) response.
  std::string body() const;
  // Waits until that body contains `text`.
  bool wait_for_body(const std::string& text, std::chrono::milliseconds timeout);
  // The first event not returned before that `matches`, waiting up to `timeout`.
  std::optional<SseEvent> wait_for(const std::function<bool(const SseEvent&)>& matches,
                                   std::chrono::milliseconds timeout);
  // Waits until `count` comment lines (": ...") have arrived.
  bool wait_for_comments(size_t count, std::chrono::milliseconds timeout);
  // Waits until the server closes the connection.
  bool wait_closed(std::chrono::milliseconds timeout);
  bool closed() const;

 private:
  void read_loop();
  void parse_locked();  // mu_ held

  int fd_ = -1;
  int wake_[2] = {-1, -1};  // a pipe: the destructor stops the reader through it
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::string buffer_;  // unparsed bytes
  std::string headers_;
  std::string body_;
  bool header_done_ = false;
  int status_ = 0;
  size_t comments_ = 0;
  bool closed_ = false;
  std::deque<SseEvent> events_;
  std::thread thread_;
};

}  // namespace tmon::testing
