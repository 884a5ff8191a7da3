#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/remote_cameras.h"
#include "common/clock.h"
#include "preview/metrics.h"
#include "preview/preview_store.h"
#include "preview/watch_leases.h"

namespace tmon::preview {

// api::RemoteCameras over watch leases and preview channels: watching a
// camera takes this process's lease on it (WatchLeases) and subscribes to
// tmon:preview:{id} while any local client watches it; each preview received
// is decoded once and handed to the listeners as the frame it is.
//
// `channels` turns the subscription to a channel on or off (a
// store::RedisSubscriber in channel mode; a fake in tests), and the
// subscriber hands what arrives to receive(). Thread-safe. Made shared:
// watches hold it weakly, so one outliving the feed does nothing.
class RemoteFeed final : public api::RemoteCameras,
                         public std::enable_shared_from_this<RemoteFeed> {
 public:
  using Channels = std::function<void(const std::string& channel, bool subscribed)>;

  // `fresh_for`: how long after a preview the camera counts as streaming().
  RemoteFeed(PreviewStore& store, WatchLeases& leases, Clock& clock, PreviewMetrics& metrics,
             Channels channels, Millis fresh_for);

  // A payload from tmon:preview:{camera_id}.
  void receive(const std::string& camera_id, const std::string& payload);

  bool pulled_elsewhere(const std::string& camera_id) override;
  Result<WatchPtr> watch(const std::string& camera_id) override;
  bool streaming(const std::string& camera_id) const override;
  int add_listener(FrameListener on_frame) override;
  void remove_listener(int id) override;

 private:
  void unwatch(const std::string& camera_id);

  PreviewStore& store_;
  WatchLeases& leases_;
  Clock& clock_;
  PreviewMetrics& metrics_;
  Channels channels_;
  Millis fresh_for_;
  // A camera's first watch and last unwatch, each a lease count and a
  // channel switch, happen one at a time: never off after a new on.
  std::mutex watch_mu_;
  mutable std::mutex mu_;
  std::map<std::string, SteadyTime> last_frame_;  // watched cameras only
  std::map<int, FrameListener> listeners_;
  int next_listener_ = 1;
};

}  // namespace tmon::preview
