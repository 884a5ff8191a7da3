#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "messages/messages.h"
#include "preview/metrics.h"
#include "preview/preview_message.h"
#include "preview/preview_store.h"

namespace tmon::preview {

struct PublisherOptions {
  std::string puller;    // this process in announcements (unique per process)
  double max_fps = 2;    // previews per second per camera at most
  PreviewBounds bounds;  // size of each
  Millis poll{1'000};    // the leases of this process's cameras are read this often
};

// The side of the process pulling cameras: a camera's analysed frames go to
// Redis as previews only while some watcher holds a lease on it, at most
// max_fps per camera, each within the bounds. The leases are read for all of
// this process's cameras in one call per poll (not per frame), which also
// announces which cameras are pulled here; unwatched cameras cost no Redis
// traffic beyond that.
//
// offer() runs on detection's threads and never touches Redis: a frame due
// to go out waits in its camera's one slot (a newer one replaces it) for
// flush(). poll() and flush() run on the publisher's thread (or a test's).
// Thread-safe.
class PreviewPublisher {
 public:
  // This process's cameras, by id.
  using CameraList = std::function<std::vector<std::string>()>;

  PreviewPublisher(PreviewStore& store, Clock& clock, PreviewMetrics& metrics, CameraList cameras,
                   PublisherOptions options);
  ~PreviewPublisher();  // stop()
  PreviewPublisher(const PreviewPublisher&) = delete;
  PreviewPublisher& operator=(const PreviewPublisher&) = delete;

  // A frame analysed here.
  void offer(const messages::DetectionResult& frame);
  // Reads the leases of this process's cameras and announces them.
  void poll();
  // Publishes the previews waiting.
  void flush();

  // The thread: flush() whenever a preview waits, poll() every options.poll.
  void start();
  void stop();  // idempotent

  // Cameras a lease is known on, as of the last poll.
  std::vector<std::string> leased() const;
  // Whether the last lease poll failed (Redis unreachable).
  bool failing() const;

 private:
  struct Slot {
    bool watched = false;
    SteadyTime next_allowed{};  // max_fps
    std::optional<messages::DetectionResult> waiting;
  };
  void run();
  void publish(const std::string& camera_id, const messages::DetectionResult& frame);

  PreviewStore& store_;
  Clock& clock_;
  PreviewMetrics& metrics_;
  CameraList cameras_;
  PublisherOptions options_;
  Millis min_interval_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, Slot> slots_;  // this process's cameras, as of the last poll
  size_t waiting_ = 0;
  bool stopping_ = false;
  bool failing_ = false;  // the last poll failed (said once)
  std::thread thread_;
};

}  // namespace tmon::preview
