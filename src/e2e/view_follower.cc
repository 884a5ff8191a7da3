#include "e2e/view_follower.h"

#include <fmt/format.h>

#include <thread>

#include "store/redis_client.h"
#include "store/redis_result_store.h"

namespace tmon::e2e {
namespace {

// Enough for any run of the check: views are one per frame.
constexpr int kHistoryLimit = 1000;

std::vector<messages::FrameView> decode_all(const std::vector<std::string>& texts) {
  std::vector<messages::FrameView> views;
  for (const auto& text : texts) {
    if (auto view = messages::decode_frame_view(text)) views.push_back(std::move(*view));
  }
  return views;
}

class RedisViews final : public ViewFollower {
 public:
  RedisViews(store::RedisAddress address, std::shared_ptr<store::RedisClient> client,
             const std::string& camera_id)
      : camera_id_(camera_id),
        describe_("Redis " + address.describe()),
        store_(std::move(client), store::StoreOptions{}) {
    store::RedisSubscriberOptions options;
    options.pattern = exact_channel_pattern(camera_id);
    subscriber_ = std::make_unique<store::RedisSubscriber>(
        std::move(address),
        [this](const std::string&, const std::string& view) {
          std::lock_guard lock(mu_);
          received_.push_back(view);
        },
        options);
  }
  ~RedisViews() override { subscriber_->stop(); }

  bool subscribe(Millis timeout) {
    subscriber_->start();
    // The subscription is made on the subscriber's thread: wait (bounded) for it.
    Clock& clock = SystemClock::instance();
    InterruptibleSleep pause(clock);
    const SteadyTime give_up = clock.now() + timeout;
    while (!subscriber_->stats().connected) {
      if (clock.now() >= give_up) return false;
      pause.sleep_for(Millis(10));
    }
    return true;
  }

  std::vector<messages::FrameView> take() override {
    std::vector<std::string> texts;
    {
      std::lock_guard lock(mu_);
      texts.swap(received_);
    }
    return decode_all(texts);
  }

  Result<std::vector<messages::FrameView>> history(int64_t since_ts) override {
    auto texts = store_.history(camera_id_, since_ts, kHistoryLimit);
    if (!texts) return tl::unexpected(texts.error());
    return decode_all(*texts);
  }

  std::string describe() const override { return describe_; }

 private:
  std::string camera_id_;
  std::string describe_;
  store::RedisResultStore store_;  // read only: history
  std::mutex mu_;
  std::vector<std::string> received_;  // guarded by mu_; filled on the subscriber's thread
  std::unique_ptr<store::RedisSubscriber> subscriber_;  // last: stopped before the rest goes
};

class ApiViews final : public ViewFollower {
 public:
  ApiViews(const std::string& api_url, const std::string& camera_id, int64_t since_ts,
           Millis interval)
      : api_(api_url), camera_id_(camera_id), since_ts_(since_ts), interval_(interval) {}

  std::vector<messages::FrameView> take() override {
    const SteadyTime now = SystemClock::instance().now();
    if (now < next_poll_) return {};
    next_poll_ = now + interval_;
    auto views = history(since_ts_);
    return views ? std::move(*views) : std::vector<messages::FrameView>{};
  }

  Result<std::vector<messages::FrameView>> history(int64_t since_ts) override {
    auto data = api_.get(fmt::format("/api/cameras/{}/history?since={}&limit={}",
                                     url_encode(camera_id_), since_ts, kHistoryLimit));
    if (!data) return tl::unexpected(data.error());
    std::vector<messages::FrameView> views;
    if (!data->is_array()) return views;
    for (const auto& item : *data) {
      if (auto view = messages::decode_frame_view_json(item)) views.push_back(std::move(*view));
    }
    return views;
  }

  std::string describe() const override { return "the API at " + api_.base_url(); }

 private:
  ApiClient api_;
  std::string camera_id_;
  int64_t since_ts_;
  Millis interval_;
  SteadyTime next_poll_{};
};

}  // namespace

std::string exact_channel_pattern(const std::string& camera_id) {
  std::string pattern = "camera:";
  for (const char c : camera_id) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern;
}

Result<ViewFollowerPtr> follow_views_in_redis(const std::string& redis_url,
                                              const std::string& camera_id, Millis timeout) {
  auto address = store::RedisAddress::parse(redis_url);
  if (!address) return tl::unexpected(address.error());
  auto client = std::make_shared<store::RedisClient>(*address, timeout);
  if (auto reachable = client->ping(); !reachable) return tl::unexpected(reachable.error());
  auto views = std::make_unique<RedisViews>(*address, std::move(client), camera_id);
  if (!views->subscribe(timeout)) {
    return make_error(
        ErrorCode::kUnavailable,
        "cannot subscribe to " + store::camera_channel(camera_id) + " on " + address->describe());
  }
  return ViewFollowerPtr(std::move(views));
}

Result<ViewFollowerPtr> follow_views_through_api(const std::string& api_url,
                                                 const std::string& camera_id, int64_t since_ts,
                                                 Millis interval) {
  auto views = std::make_unique<ApiViews>(api_url, camera_id, since_ts, interval);
  // A camera without views yet answers 200 with an empty list: the API works.
  if (auto probe = views->history(since_ts); !probe) return tl::unexpected(probe.error());
  return ViewFollowerPtr(std::move(views));
}

}  // namespace tmon::e2e
