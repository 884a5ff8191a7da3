#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "messages/frame_view.h"
#include "store/result_store.h"

namespace tmon::api {

// The classes a detector finds ("motion" -> person, car, truck): the
// `supportedClasses` of /ws messages.
using ClassesOf = std::function<std::vector<std::string>(const std::string& detector)>;

struct LiveFeedOptions {
  // Messages a client may lag behind before the oldest are dropped. Views
  // supersede each other, so a slow browser loses stale ones, never the latest.
  size_t max_queued = 64;
  // Cameras whose newest view is remembered (for /ws frames pulled here);
  // beyond it the camera heard from longest ago is forgotten.
  size_t max_cameras = 10'000;
  ClassesOf classes_of;  // empty: no supportedClasses known
};

struct LiveFeedStats {
  uint64_t published = 0;  // views fanned out
  uint64_t invalid = 0;    // payloads that were not a view, not forwarded
  uint64_t delivered = 0;  // messages handed to a client's transport
  uint64_t dropped = 0;    // messages dropped because a client lagged
  size_t subscribers = 0;
};

// Fans every published camera view out to any number of live clients
// (WebSocket sessions, SSE streams), per camera or for all cameras, and
// remembers each camera's newest view: the risk /ws puts on the frames of a
// camera pulled here, pushed live rather than asked for.
//
// Each view is decoded once and becomes one `detection_result` message
// (detection_message.h), built once and shared by all its clients. Each client has its own bounded
// queue and at most one message in its transport at a time, so a slow client never blocks the
// publisher or the others: when its queue is full the oldest message is
// dropped and counted.
//
// Thread-safe. Subscriptions may outlive the feed (they then do nothing).
class LiveFeed {
 public:
  // Hands one message to a client's transport without blocking. The
  // transport calls `written` exactly once, when the message is on the wire
  // or was dropped because the client went away; only then does the client
  // get its next message. Never called with the feed's lock held.
  using Deliver = std::function<void(const std::string& message, std::function<void()> written)>;

  class Subscription {
   public:
    ~Subscription();  // unsubscribes
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    // Messages this client lost by lagging.
    uint64_t dropped() const;

   private:
    friend class LiveFeed;
    struct Client;
    struct State;
    Subscription(std::weak_ptr<State> state, std::shared_ptr<Client> client)
        : state_(std::move(state)), client_(std::move(client)) {}
    std::weak_ptr<State> state_;
    std::shared_ptr<Client> client_;
  };
  using SubscriptionPtr = std::unique_ptr<Subscription>;

  explicit LiveFeed(Clock& clock, LiveFeedOptions options = {});
  ~LiveFeed();
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  // Subscribes to one camera's views, or to every camera's when camera_id is empty.
  SubscriptionPtr subscribe(const std::string& camera_id, Deliver deliver);

  // A view as stored and published on camera:{id} (see store::ResultStore).
  void publish(const std::string& camera_id, const std::string& view_json);
  // The newest view of a camera heard so far (by capture time), or null.
  std::shared_ptr<const messages::FrameView> newest(const std::string& camera_id) const;
  // publish() as a store::ViewListener, for a RedisSubscriber or
  // MemoryResultStore::on_publish. The feed must outlive its callers.
  store::ViewListener listener();

  LiveFeedStats stats() const;

 private:
  using State = Subscription::State;
  std::shared_ptr<State> state_;
};

// The live push's metrics, copied from LiveFeedStats (and the Redis
// subscriber's state) before each scrape by update(). No labels.
struct LiveFeedMetrics {
  explicit LiveFeedMetrics(prometheus::Registry& registry);

  prometheus::Counter& messages;            // views fanned out to live clients
  prometheus::Counter& dropped;             // messages dropped for lagging clients
  prometheus::Gauge& subscribers;           // live clients connected
  prometheus::Gauge& subscriber_connected;  // 1 while views arrive (Redis pub/sub up)

  // `connected`: whether the feed's source is up (the Redis subscriber's
  // connection; always true for the in-process store).
  void update(const LiveFeedStats& stats, bool connected);
};

}  // namespace tmon::api
