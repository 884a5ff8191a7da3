#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace tmon::api {

// Paces live frames to one connection per camera: at most one frame of a
// camera is on its way to a connection at a time; a frame that comes while
// one is on its way waits, and a newer one replaces it. A slow page thus gets
// the newest frame next and never a queue of stale ones (a tile shows only
// the newest frame anyway), and a fast one gets every frame.
//
// Thread-safe; `written` callbacks may run on any thread (a connection's
// strand) and may come after the pacer's owner forgot the connection.
class FramePacer : public std::enable_shared_from_this<FramePacer> {
 public:
  // Hands a message to a connection; calls `written` once it is on the wire
  // or dropped with the connection.
  using Send = std::function<void(std::string text, std::function<void()> written)>;

  // A new frame of `camera` for `connection`.
  void offer(const void* connection, const std::string& camera,
             std::shared_ptr<const std::string> frame, Send send);
  // The connection closed: its waiting frames go.
  void forget(const void* connection);
  // Frames that were replaced by a newer one before they could be sent.
  uint64_t replaced() const;

 private:
  using Key = std::pair<const void*, std::string>;
  struct Slot {
    bool in_flight = false;
    std::shared_ptr<const std::string> waiting;
    Send send;
  };
  void write(const Key& key, std::shared_ptr<const std::string> frame, const Send& send);
  void written(const Key& key);

  mutable std::mutex mu_;
  std::map<Key, Slot> slots_;
  uint64_t replaced_ = 0;
};

}  // namespace tmon::api
