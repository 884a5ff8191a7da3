#include "preview/live_view.h"

#include <unistd.h>

#include "common/ids.h"
#include "common/logging.h"
#include "preview/metrics.h"
#include "preview/preview_publisher.h"
#include "preview/preview_store.h"
#include "preview/remote_feed.h"
#include "preview/watch_leases.h"
#include "store/redis_subscriber.h"

namespace tmon::preview {
namespace {

Millis millis(double seconds) {
  return Millis(static_cast<int64_t>(seconds * 1000));
}

std::string process_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "host") + "-" + std::to_string(getpid()) + "-" +
         random_hex_id(4);
}

}  // namespace

// Declared in start order; destroyed in reverse (stop() first).
struct LiveView::Parts {
  std::string id;
  std::unique_ptr<PreviewMetrics> metrics;
  std::shared_ptr<store::RedisClient> client;
  std::unique_ptr<RedisPreviewStore> store;
  api::CameraControl* cameras = nullptr;
  int camera_listener = 0;
  std::unique_ptr<PreviewPublisher> publisher;
  std::unique_ptr<WatchLeases> leases;
  std::shared_ptr<RemoteFeed> remote;
  std::unique_ptr<store::RedisSubscriber> subscriber;
  bool stopped = false;
};

LiveView::LiveView() : parts_(std::make_unique<Parts>()) {}

LiveView::~LiveView() {
  stop();
}

Result<std::unique_ptr<LiveView>> LiveView::start(LiveViewOptions options,
                                                  prometheus::Registry& registry, Clock& clock) {
  std::unique_ptr<LiveView> view(new LiveView());
  Parts& p = *view->parts_;
  const config::PreviewConfig& c = options.preview;
  p.id = process_id();
  p.metrics = std::make_unique<PreviewMetrics>(registry);
  // A connection of its own: previews are the largest values this process
  // sends Redis, and must not queue behind the store's calls or hold them up.
  p.client = std::make_shared<store::RedisClient>(options.redis, options.redis_timeout);
  p.store = std::make_unique<RedisPreviewStore>(p.client);
  if (options.cameras) {
    PublisherOptions publishing;
    publishing.puller = p.id;
    publishing.max_fps = c.max_fps;
    publishing.bounds = {c.max_width, static_cast<size_t>(c.max_bytes)};
    publishing.poll = millis(c.lease_poll_seconds);
    api::CameraControl* cameras = options.cameras;
    p.publisher = std::make_unique<PreviewPublisher>(
        *p.store, clock, *p.metrics,
        [cameras] {
          std::vector<std::string> ids;
          for (const auto& camera : cameras->list()) ids.push_back(camera.id);
          return ids;
        },
        publishing);
    p.cameras = cameras;
    p.camera_listener = cameras->add_listener(
        [publisher = p.publisher.get()](const messages::DetectionResult& frame) {
          publisher->offer(frame);
        },
        [](const api::CameraInfo&) {});
    p.publisher->start();
  }
  if (options.serves_api) {
    p.leases = std::make_unique<WatchLeases>(
        *p.store, clock, *p.metrics,
        WatchLeaseOptions{p.id, millis(c.lease_ttl_seconds), millis(c.lease_refresh_seconds),
                          static_cast<size_t>(c.max_watched_cameras)});
    store::RedisSubscriberOptions subscribing;
    subscribing.pattern = "";
    subscribing.channel_prefix = std::string(kPreviewChannelPrefix);
    subscribing.timeout = options.redis_timeout;
    // Started once the feed it feeds exists, and stopped before it goes.
    p.subscriber = std::make_unique<store::RedisSubscriber>(
        options.redis,
        [parts = &p](const std::string& camera_id, const std::string& payload) {
          parts->remote->receive(camera_id, payload);
        },
        subscribing);
    p.remote = std::make_shared<RemoteFeed>(
        *p.store, *p.leases, clock, *p.metrics,
        [subscriber = p.subscriber.get()](const std::string& channel, bool on) {
          on ? subscriber->subscribe(channel) : subscriber->unsubscribe(channel);
        },
        // Frames come every frame interval; past a lease's life without one,
        // the camera's assessed views stand in for them.
        millis(c.lease_ttl_seconds));
    p.leases->start();
    p.subscriber->start();
  }
  get_logger("preview")->info(
      "live view as {}: {}{}", p.id,
      options.cameras ? "previews of cameras pulled here while watched" : "",
      options.serves_api ? (options.cameras ? "; " : "") + std::string("watching cameras pulled "
                                                                       "elsewhere for /ws")
                         : "");
  return view;
}

api::RemoteCameras* LiveView::remote() {
  return parts_->remote.get();
}

api::ComponentHealth LiveView::health() const {
  const Parts& p = *parts_;
  api::ComponentHealth health{"preview", api::HealthStatus::kOk, "live view as " + p.id};
  bool failing = false;
  if (p.publisher) {
    health.detail +=
        "; " + std::to_string(p.publisher->leased().size()) + " camera(s) pulled here watched";
    failing = p.publisher->failing();
  }
  if (p.leases) {
    health.detail +=
        "; watching " + std::to_string(p.leases->watched().size()) + " camera(s) pulled elsewhere";
    failing = failing || p.leases->failing();
  }
  if (failing) {
    health.status = api::HealthStatus::kDegraded;
    health.detail += "; Redis refuses the watch leases: remote cameras may show no frames";
  }
  return health;
}

const std::string& LiveView::id() const {
  return parts_->id;
}

void LiveView::stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  if (p.cameras) p.cameras->remove_listener(p.camera_listener);
  if (p.publisher) p.publisher->stop();
  if (p.subscriber) p.subscriber->stop();
  if (p.leases) p.leases->stop();
}

}  // namespace tmon::preview
