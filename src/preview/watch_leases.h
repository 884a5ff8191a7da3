#pragma once

#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "preview/metrics.h"
#include "preview/preview_store.h"

namespace tmon::preview {

struct WatchLeaseOptions {
  std::string holder;       // this process in the leases (unique per process)
  Millis ttl{10'000};       // a lease lives this long past its last refresh
  Millis refresh{3'000};    // leases are refreshed this often (< ttl)
  size_t max_cameras = 64;  // cameras watched at once, at most
};

// The API side of watch leases: how many local clients watch each camera
// pulled elsewhere, and this process's lease on each, refreshed well within
// its TTL while watched and dropped when the last local watcher leaves. A
// process that dies leaves leases that expire by themselves.
//
// acquire/release only count and wake the refresher; Redis is called from
// tick() (the refresher's thread, or a test): a new camera's lease is taken
// at the next tick, a released one dropped there. Thread-safe.
class WatchLeases {
 public:
  WatchLeases(PreviewStore& store, Clock& clock, PreviewMetrics& metrics,
              WatchLeaseOptions options);
  ~WatchLeases();  // stop()
  WatchLeases(const WatchLeases&) = delete;
  WatchLeases& operator=(const WatchLeases&) = delete;

  // One more local watcher of `camera_id`; true when it is the first.
  // kUnavailable when max_cameras other cameras are watched already.
  Result<bool> acquire(const std::string& camera_id);
  // One fewer; true when it was the last (its lease goes at the next tick).
  bool release(const std::string& camera_id);

  // Takes new leases, drops released ones, and refreshes all when due.
  void tick();
  // When tick() has work next (now, when a camera is new or released).
  SteadyTime next_due() const;

  // The refresher thread: tick() whenever due. stop() drops every lease
  // held, so pullers stop publishing at their next poll. Idempotent.
  void start();
  void stop();

  std::vector<std::string> watched() const;
  // Whether the last refresh or drop failed (Redis unreachable).
  bool failing() const;

 private:
  void run();

  PreviewStore& store_;
  Clock& clock_;
  PreviewMetrics& metrics_;
  WatchLeaseOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, int> watchers_;  // by camera: local watchers
  std::set<std::string> to_drop_;        // released, lease still held
  bool fresh_ = false;                   // a camera without its lease yet
  SteadyTime next_refresh_{};
  bool stopping_ = false;
  bool failing_ = false;  // the last Redis call failed (said once)
  std::thread thread_;
};

}  // namespace tmon::preview
