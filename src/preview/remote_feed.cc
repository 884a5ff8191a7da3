#include "preview/remote_feed.h"

#include <vector>

#include "common/logging.h"
#include "messages/codec.h"

namespace tmon::preview {
namespace {

class FeedWatch final : public api::RemoteCameras::Watch {
 public:
  FeedWatch(std::weak_ptr<RemoteFeed> feed, std::function<void(RemoteFeed&)> end)
      : feed_(std::move(feed)), end_(std::move(end)) {}
  ~FeedWatch() override {
    if (auto feed = feed_.lock()) end_(*feed);
  }

 private:
  std::weak_ptr<RemoteFeed> feed_;
  std::function<void(RemoteFeed&)> end_;
};

}  // namespace

RemoteFeed::RemoteFeed(PreviewStore& store, WatchLeases& leases, Clock& clock,
                       PreviewMetrics& metrics, Channels channels, Millis fresh_for)
    : store_(store),
      leases_(leases),
      clock_(clock),
      metrics_(metrics),
      channels_(std::move(channels)),
      fresh_for_(fresh_for) {}

bool RemoteFeed::pulled_elsewhere(const std::string& camera_id) {
  auto pulled = store_.pulled(camera_id);
  if (!pulled) {
    get_logger("preview")->warn("camera={} cannot tell where it is pulled: {}", camera_id,
                                pulled.error().message);
    return false;
  }
  return *pulled;
}

Result<RemoteFeed::WatchPtr> RemoteFeed::watch(const std::string& camera_id) {
  std::lock_guard watching(watch_mu_);
  auto first = leases_.acquire(camera_id);
  if (!first) return tl::unexpected(first.error());
  if (*first) {
    {
      std::lock_guard lock(mu_);
      last_frame_.emplace(camera_id, SteadyTime{});
    }
    channels_(preview_channel(camera_id), true);
  }
  return WatchPtr(
      new FeedWatch(weak_from_this(), [camera_id](RemoteFeed& feed) { feed.unwatch(camera_id); }));
}

void RemoteFeed::unwatch(const std::string& camera_id) {
  std::lock_guard watching(watch_mu_);
  if (!leases_.release(camera_id)) return;
  channels_(preview_channel(camera_id), false);
  std::lock_guard lock(mu_);
  last_frame_.erase(camera_id);
}

void RemoteFeed::receive(const std::string& camera_id, const std::string& payload) {
  std::vector<FrameListener> listeners;
  {
    std::lock_guard lock(mu_);
    // A preview of a camera no longer watched (sent before the unsubscribe).
    if (!last_frame_.contains(camera_id)) return;
  }
  auto frame = messages::decode_detection_result(payload);
  if (!frame || frame->cameraId.text() != camera_id) {
    metrics_.invalid.Increment();
    get_logger("preview")->warn("camera={} preview dropped: {}", camera_id,
                                frame ? "it is another camera's frame" : frame.error().message);
    return;
  }
  {
    std::lock_guard lock(mu_);
    const auto it = last_frame_.find(camera_id);
    if (it == last_frame_.end()) return;
    it->second = clock_.now();
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  metrics_.received.Increment();
  for (const auto& listener : listeners) listener(*frame);
}

bool RemoteFeed::streaming(const std::string& camera_id) const {
  std::lock_guard lock(mu_);
  const auto it = last_frame_.find(camera_id);
  return it != last_frame_.end() && it->second != SteadyTime{} &&
         clock_.now() - it->second < fresh_for_;
}

int RemoteFeed::add_listener(FrameListener on_frame) {
  std::lock_guard lock(mu_);
  listeners_.emplace(next_listener_, std::move(on_frame));
  return next_listener_++;
}

void RemoteFeed::remove_listener(int id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
}

}  // namespace tmon::preview
