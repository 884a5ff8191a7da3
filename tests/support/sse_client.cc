#include "sse_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tmon::testing {

SseClient::SseClient(int port, const std::string& target) {
  if (pipe(wake_) != 0) return;
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    closed_ = true;
    return;
  }
  const std::string request = "GET " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                              "Cache-Control: no-cache\r\n\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    closed_ = true;
    return;
  }
  thread_ = std::thread([this] { read_loop(); });
}

SseClient::~SseClient() {
  if (thread_.joinable()) {
    const char byte = 0;
    [[maybe_unused]] const auto n = write(wake_[1], &byte, 1);
    thread_.join();
  }
  if (fd_ >= 0) close(fd_);
  for (const int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

void SseClient::read_loop() {
  char chunk[4096];
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;  // the destructor: just hang up
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    std::lock_guard lock(mu_);
    if (n <= 0) {
      closed_ = true;
      if (!header_done_) status_ = 0;
      changed_.notify_all();
      return;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    parse_locked();
    changed_.notify_all();
  }
}

void SseClient::parse_locked() {
  if (!header_done_) {
    const size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return;
    headers_ = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    header_done_ = true;
    // "HTTP/1.1 200 OK"
    const size_t space = headers_.find(' ');
    if (space != std::string::npos) status_ = std::atoi(headers_.c_str() + space + 1);
  }
  if (headers_.find("text/event-stream") == std::string::npos) {
    body_ += buffer_;
    buffer_.clear();
    return;
  }
  // Events end with a blank line; fields are "name: value" lines.
  size_t end;
  while ((end = buffer_.find("\n\n")) != std::string::npos) {
    const std::string block = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    SseEvent event{"message", ""};
    bool has_data = false;
    size_t start = 0;
    while (start <= block.size()) {
      size_t stop = block.find('\n', start);
      if (stop == std::string::npos) stop = block.size();
      const std::string line = block.substr(start, stop - start);
      start = stop + 1;
      if (line.empty()) continue;
      if (line[0] == ':') {
        ++comments_;
        continue;
      }
      const size_t colon = line.find(':');
      const std::string name = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (name == "event") event.event = value;
      if (name == "data") {
        event.data += (has_data ? "\n" : "") + value;
        has_data = true;
      }
    }
    if (has_data) events_.push_back(std::move(event));
  }
}

int SseClient::wait_for_status(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return header_done_ || closed_; });
  return status_;
}

std::string SseClient::headers() const {
  std::lock_guard lock(mu_);
  return headers_;
}

std::string SseClient::body() const {
  std::lock_guard lock(mu_);
  return body_;
}

bool SseClient::wait_for_body(const std::string& text, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] {
    return body_.find(text) != std::string::npos || closed_;
  }) && body_.find(text) != std::string::npos;
}

std::optional<SseEvent> SseClient::wait_for(const std::function<bool(const SseEvent&)>& matches,
                                            std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    for (auto it = events_.begin(); it != events_.end(); ++it) {
      if (!matches(*it)) continue;
      SseEvent found = std::move(*it);
      events_.erase(it);
      return found;
    }
    if (closed_ || changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      // One last look: the wakeup may have raced the deadline.
      for (auto it = events_.begin(); it != events_.end(); ++it) {
        if (!matches(*it)) continue;
        SseEvent found = std::move(*it);
        events_.erase(it);
        return found;
      }
      return std::nullopt;
    }
  }
}

bool SseClient::wait_for_comments(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return comments_ >= count || closed_; }) &&
         comments_ >= count;
}

bool SseClient::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return closed_; });
}

bool SseClient::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace tmon::testing
