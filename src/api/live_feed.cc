#include "api/live_feed.h"

#include <vector>

#include "api/detection_message.h"
#include "api/envelope.h"
#include "common/clock.h"
#include "common/logging.h"
#include "metrics/exposition.h"

namespace tmon::api {
namespace {

using Message = std::shared_ptr<const std::string>;
using ViewPtr = std::shared_ptr<const messages::FrameView>;

}  // namespace

struct LiveFeed::Subscription::Client {
  std::string camera_id;  // empty: all cameras
  Deliver deliver;
  // Guarded by State::mu.
  std::deque<Message> queue;
  bool in_flight = false;
  bool active = true;
  uint64_t dropped = 0;
};

struct LiveFeed::Subscription::State {
  Clock* clock = nullptr;
  LiveFeedOptions options;
  mutable std::mutex mu;
  std::multimap<std::string, std::shared_ptr<Client>> clients;  // by camera ("" = all)
  std::map<std::string, ViewPtr> newest;                        // by camera
  LiveFeedStats stats;

  // Keeps `view` as its camera's newest unless a newer one is there. Needs mu.
  void remember(const std::string& camera_id, const ViewPtr& view) {
    auto& slot = newest[camera_id];
    if (!slot || slot->captureTs <= view->captureTs) slot = view;
    if (newest.size() <= options.max_cameras) return;
    auto oldest = newest.begin();
    for (auto it = newest.begin(); it != newest.end(); ++it) {
      if (it->second->storedTs < oldest->second->storedTs) oldest = it;
    }
    newest.erase(oldest);
  }

  // Hands the client its next message, if any. Called without mu held.
  static void pump(const std::weak_ptr<State>& weak, const std::shared_ptr<Client>& client) {
    Message next;
    {
      auto state = weak.lock();
      if (!state) return;
      std::lock_guard lock(state->mu);
      if (!client->active || client->queue.empty()) {
        client->in_flight = false;
        return;
      }
      next = std::move(client->queue.front());
      client->queue.pop_front();
      client->in_flight = true;
      ++state->stats.delivered;
    }
    deliver(weak, client, std::move(next));
  }

  static void deliver(const std::weak_ptr<State>& weak, const std::shared_ptr<Client>& client,
                      Message message) {
    // `written` holds the client weakly: a transport that keeps the callback
    // after the client unsubscribed must not keep it alive.
    client->deliver(*message, [weak, weak_client = std::weak_ptr<Client>(client)] {
      if (auto alive = weak_client.lock()) pump(weak, alive);
    });
  }
};

LiveFeed::Subscription::~Subscription() {
  auto state = state_.lock();
  if (!state) return;
  std::lock_guard lock(state->mu);
  client_->active = false;
  client_->queue.clear();
  auto [first, last] = state->clients.equal_range(client_->camera_id);
  for (auto it = first; it != last; ++it) {
    if (it->second == client_) {
      state->clients.erase(it);
      break;
    }
  }
}

uint64_t LiveFeed::Subscription::dropped() const {
  auto state = state_.lock();
  if (!state) return client_->dropped;
  std::lock_guard lock(state->mu);
  return client_->dropped;
}

LiveFeed::LiveFeed(Clock& clock, LiveFeedOptions options) : state_(std::make_shared<State>()) {
  state_->clock = &clock;
  state_->options = options;
  if (state_->options.max_queued == 0) state_->options.max_queued = 1;
}

LiveFeed::~LiveFeed() = default;

LiveFeed::SubscriptionPtr LiveFeed::subscribe(const std::string& camera_id, Deliver deliver) {
  auto client = std::make_shared<Subscription::Client>();
  client->camera_id = camera_id;
  client->deliver = std::move(deliver);
  {
    std::lock_guard lock(state_->mu);
    state_->clients.emplace(camera_id, client);
  }
  return SubscriptionPtr(new Subscription(state_, std::move(client)));
}

void LiveFeed::publish(const std::string& camera_id, const std::string& view_json) {
  auto decoded = messages::decode_frame_view(view_json);
  if (!decoded) {
    {
      std::lock_guard lock(state_->mu);
      ++state_->stats.invalid;
    }
    get_logger("api")->warn("camera={} live view dropped: {}", camera_id, decoded.error().message);
    return;
  }
  const auto view = std::make_shared<const messages::FrameView>(std::move(*decoded));
  const std::string detector = view->detection ? view->detection->modelType : std::string();
  const auto classes = state_->options.classes_of ? state_->options.classes_of(detector)
                                                  : std::vector<std::string>{};
  std::string built = ws_message("detection_result",
                                 detection_result_data(*view, classes, state_->clock->epoch_ms()));
  std::vector<std::pair<std::shared_ptr<Subscription::Client>, Message>> ready;
  {
    std::lock_guard lock(state_->mu);
    ++state_->stats.published;
    state_->remember(camera_id, view);
  }
  const Message message = std::make_shared<const std::string>(std::move(built));
  {
    std::lock_guard lock(state_->mu);
    for (const std::string& key : {camera_id, std::string()}) {
      auto [first, last] = state_->clients.equal_range(key);
      for (auto it = first; it != last; ++it) {
        auto& client = it->second;
        if (!client->in_flight) {
          client->in_flight = true;
          ++state_->stats.delivered;
          ready.emplace_back(client, message);
          continue;
        }
        if (client->queue.size() >= state_->options.max_queued) {
          client->queue.pop_front();
          ++client->dropped;
          ++state_->stats.dropped;
        }
        client->queue.push_back(message);
      }
      if (camera_id.empty()) break;  // "" is both keys: fan out once
    }
  }
  const std::weak_ptr<State> weak = state_;
  for (auto& [client, ready_message] : ready) State::deliver(weak, client, ready_message);
}

std::shared_ptr<const messages::FrameView> LiveFeed::newest(const std::string& camera_id) const {
  std::lock_guard lock(state_->mu);
  const auto it = state_->newest.find(camera_id);
  return it == state_->newest.end() ? nullptr : it->second;
}

store::ViewListener LiveFeed::listener() {
  return
      [this](const std::string& camera_id, const std::string& view) { publish(camera_id, view); };
}

LiveFeedMetrics::LiveFeedMetrics(prometheus::Registry& registry)
    : messages(prometheus::BuildCounter()
                   .Name("live_feed_messages_total")
                   .Help("Camera views fanned out to live clients (/ws, /api/stream)")
                   .Register(registry)
                   .Add({})),
      dropped(prometheus::BuildCounter()
                  .Name("live_feed_dropped_total")
                  .Help("Live messages dropped because a client lagged behind")
                  .Register(registry)
                  .Add({})),
      subscribers(prometheus::BuildGauge()
                      .Name("live_feed_subscribers")
                      .Help("Live clients subscribed to camera views")
                      .Register(registry)
                      .Add({})),
      subscriber_connected(prometheus::BuildGauge()
                               .Name("live_subscriber_connected")
                               .Help("1 while the API receives published views (Redis pub/sub "
                                     "connected, or the in-process store), else 0")
                               .Register(registry)
                               .Add({})) {}

void LiveFeedMetrics::update(const LiveFeedStats& stats, bool connected) {
  metrics::advance_counter(messages, static_cast<double>(stats.published));
  metrics::advance_counter(dropped, static_cast<double>(stats.dropped));
  subscribers.Set(static_cast<double>(stats.subscribers));
  subscriber_connected.Set(connected ? 1 : 0);
}

LiveFeedStats LiveFeed::stats() const {
  std::lock_guard lock(state_->mu);
  LiveFeedStats stats = state_->stats;
  stats.subscribers = state_->clients.size();
  return stats;
}

}  // namespace tmon::api
