#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/clock.h"
#include "store/redis_client.h"
#include "store/result_store.h"

struct redisContext;
struct redisReply;

namespace tmon::store {

struct RedisSubscriberOptions {
  // PSUBSCRIBE pattern; the id follows the first ':'. Empty: no pattern, the
  // channels given to subscribe() instead (SUBSCRIBE), the id following
  // `channel_prefix`.
  std::string pattern = "camera:*";
  std::string channel_prefix;
  Millis timeout{2'000};      // connect and write timeout
  Millis min_backoff{100};    // first reconnect delay after Redis went away
  Millis max_backoff{5'000};  // reconnect delays double up to this
  // A PING goes out when the connection was silent this long; no answer
  // within another interval means a dead peer (e.g. a dropped network path,
  // which TCP alone notices only after minutes).
  Millis ping_interval{10'000};
};

struct RedisSubscriberStats {
  bool connected = false;
  uint64_t messages = 0;         // views handed to the listener
  uint64_t reconnects = 0;       // subscriptions re-established after a loss
  uint64_t failed_attempts = 0;  // attempts to subscribe that failed (Redis unreachable)
};

// Receives every view published on camera:{id} (see ResultStore::apply) over
// a connection of its own, in PSUBSCRIBE mode, on a thread of its own, and
// hands each to the listener as (camera_id, view_json).
//
// When Redis goes away it says so once, retries with exponential backoff and
// says when it is back. Views published while it was away are not replayed
// (pub/sub keeps nothing): clients catch up through the stored latest view.
// The listener runs on the subscriber's thread; keep it short.
class RedisSubscriber {
 public:
  RedisSubscriber(RedisAddress address, ViewListener listener, RedisSubscriberOptions options = {});
  ~RedisSubscriber();  // stop()
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  // Starts the thread; it connects in the background.
  void start();
  // Stops the thread and closes the connection. Idempotent.
  void stop();

  // Channel mode (an empty pattern): adds or drops a channel, on the live
  // connection at once (from the subscriber's thread) and on every
  // reconnection. Thread-safe; cheap to call again with the same channel.
  void subscribe(const std::string& channel);
  void unsubscribe(const std::string& channel);

  RedisSubscriberStats stats() const;
  std::string describe() const { return address_.describe(); }

 private:
  void run();
  // Connects and subscribes; false (with `why`) on failure.
  bool connect(std::string& why);
  // Reads messages until the connection fails or stop; returns why it ended.
  std::string pump();
  void handle(const redisReply& reply);
  // Sleeps up to `delay`; false when stopping.
  bool sleep(Millis delay);
  void disconnect();
  // Empties the wake pipe, so a wake-up is not seen twice.
  void drain_wake();
  // Channel mode: sends the (UN)SUBSCRIBEs that bring the connection's
  // channels to the wanted set; false (with `why`) when the write failed.
  bool sync_channels(std::string& why);
  void wake();

  RedisAddress address_;
  ViewListener listener_;
  RedisSubscriberOptions options_;
  redisContext* context_ = nullptr;  // the subscriber thread's
  int wake_[2] = {-1, -1};           // a pipe: stop() writes, the thread's poll() wakes
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<uint64_t> failed_attempts_{0};
  std::mutex lifecycle_mu_;
  std::mutex channels_mu_;
  std::set<std::string> wanted_;      // channel mode: guarded by channels_mu_
  std::set<std::string> subscribed_;  // on the connection; the subscriber thread's
  std::thread thread_;
};

}  // namespace tmon::store
