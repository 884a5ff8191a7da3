#include "store/redis_subscriber.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/clock.h"
#include "common/logging.h"

namespace tmon::store {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("store");
}

timeval to_timeval(Millis timeout) {
  return timeval{static_cast<time_t>(timeout.count() / 1000),
                 static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
}

bool is_string(const redisReply* reply) {
  return reply && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS);
}

}  // namespace

RedisSubscriber::RedisSubscriber(RedisAddress address, ViewListener listener,
                                 RedisSubscriberOptions options)
    : address_(std::move(address)), listener_(std::move(listener)), options_(std::move(options)) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
}

RedisSubscriber::~RedisSubscriber() {
  stop();
  for (const int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

void RedisSubscriber::start() {
  std::lock_guard lock(lifecycle_mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void RedisSubscriber::stop() {
  std::lock_guard lock(lifecycle_mu_);
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
}

void RedisSubscriber::wake() {
  if (wake_[1] >= 0) {
    const char byte = 0;
    [[maybe_unused]] const auto n = write(wake_[1], &byte, 1);
  }
}

void RedisSubscriber::drain_wake() {
  char buffer[64];
  while (wake_[0] >= 0 && read(wake_[0], buffer, sizeof buffer) > 0) {
  }
}

void RedisSubscriber::subscribe(const std::string& channel) {
  {
    std::lock_guard lock(channels_mu_);
    if (!wanted_.insert(channel).second) return;
  }
  wake();
}

void RedisSubscriber::unsubscribe(const std::string& channel) {
  {
    std::lock_guard lock(channels_mu_);
    if (wanted_.erase(channel) == 0) return;
  }
  wake();
}

bool RedisSubscriber::sync_channels(std::string& why) {
  std::vector<std::string> add;
  std::vector<std::string> drop;
  {
    std::lock_guard lock(channels_mu_);
    for (const auto& channel : wanted_) {
      if (!subscribed_.contains(channel)) add.push_back(channel);
    }
    for (const auto& channel : subscribed_) {
      if (!wanted_.contains(channel)) drop.push_back(channel);
    }
  }
  // The answers ([subscribe, channel, count]) come back among the messages,
  // which handle() tells apart.
  for (const auto& [verb, channels] : {std::pair{"SUBSCRIBE", &add}, {"UNSUBSCRIBE", &drop}}) {
    if (channels->empty()) continue;
    std::vector<const char*> args{verb};
    std::vector<size_t> lengths{std::strlen(verb)};
    for (const auto& channel : *channels) {
      args.push_back(channel.data());
      lengths.push_back(channel.size());
    }
    redisAppendCommandArgv(context_, static_cast<int>(args.size()), args.data(), lengths.data());
  }
  int done = add.empty() && drop.empty();
  while (!done) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) {
      why = context_->errstr;
      return false;
    }
  }
  subscribed_.insert(add.begin(), add.end());
  for (const auto& channel : drop) subscribed_.erase(channel);
  return true;
}

RedisSubscriberStats RedisSubscriber::stats() const {
  return {connected_.load(), messages_.load(), reconnects_.load(), failed_attempts_.load()};
}

void RedisSubscriber::run() {
  Millis backoff = options_.min_backoff;
  bool ever_connected = false;
  bool outage_reported = false;
  SteadyTime lost_at{};
  while (!stopping_) {
    std::string why;
    if (connect(why)) {
      connected_ = true;
      if (ever_connected) {
        ++reconnects_;
        const auto down =
            std::chrono::duration_cast<Millis>(SystemClock::instance().now() - lost_at);
        logger()->info("redis subscriber: back on {} after {} ms; live push resumed",
                       address_.describe(), down.count());
      } else {
        logger()->info(
            "redis subscriber: subscribed to {} on {}",
            options_.pattern.empty() ? options_.channel_prefix + "..." : options_.pattern,
            address_.describe());
      }
      ever_connected = true;
      outage_reported = false;
      backoff = options_.min_backoff;
      why = pump();
      connected_ = false;
      disconnect();
      if (stopping_) break;
      lost_at = SystemClock::instance().now();
      logger()->warn(
          "redis subscriber: lost {}: {}; live push paused, reconnecting with backoff up to {} ms",
          address_.describe(), why, options_.max_backoff.count());
      outage_reported = true;
    } else {
      ++failed_attempts_;
      if (!outage_reported) {
        if (!ever_connected) lost_at = SystemClock::instance().now();
        logger()->warn(
            "redis subscriber: cannot subscribe on {}: {}; retrying with backoff up to {} ms",
            address_.describe(), why, options_.max_backoff.count());
        outage_reported = true;
      } else {
        logger()->debug("redis subscriber: still cannot reach {}: {}", address_.describe(), why);
      }
    }
    if (!sleep(backoff)) break;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  disconnect();
}

bool RedisSubscriber::connect(std::string& why) {
  const timeval tv = to_timeval(options_.timeout);
  context_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, tv);
  if (!context_ || context_->err) {
    why = context_ ? context_->errstr : "out of memory";
    disconnect();
    return false;
  }
  redisSetTimeout(context_, tv);
  const auto command = [&](std::vector<std::string> argv) -> redisReply* {
    std::vector<const char*> args;
    std::vector<size_t> lengths;
    for (const auto& arg : argv) {
      args.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(args.size()), args.data(), lengths.data()));
    if (!reply) why = context_->errstr;
    return reply;
  };
  // Channels are not per database, so no SELECT; only AUTH, when set.
  if (!address_.password.empty()) {
    redisReply* reply = command({"AUTH", address_.password});
    const bool ok = reply && reply->type != REDIS_REPLY_ERROR;
    if (reply && !ok) why = "AUTH refused";  // never echo the reply: it may quote the password
    if (reply) freeReplyObject(reply);
    if (!ok) {
      disconnect();
      return false;
    }
  }
  if (options_.pattern.empty()) {
    // Channel mode: the wanted channels, asked for anew on each connection.
    subscribed_.clear();
    if (sync_channels(why)) return true;
    disconnect();
    return false;
  }
  redisReply* reply = command({"PSUBSCRIBE", options_.pattern});
  const bool ok = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3;
  if (reply && !ok) {
    why = reply->type == REDIS_REPLY_ERROR ? std::string(reply->str, reply->len)
                                           : "unexpected PSUBSCRIBE reply";
  }
  if (reply) freeReplyObject(reply);
  if (!ok) disconnect();
  return ok;
}

std::string RedisSubscriber::pump() {
  bool ping_sent = false;
  while (!stopping_) {
    // Replies already buffered (they may arrive with the PSUBSCRIBE answer).
    while (true) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) return context_->errstr;
      if (!raw) break;
      auto* reply = static_cast<redisReply*>(raw);
      handle(*reply);
      freeReplyObject(reply);
    }
    pollfd fds[2] = {{context_->fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    const int ready =
        poll(fds, wake_[0] >= 0 ? 2 : 1, static_cast<int>(options_.ping_interval.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return std::string("poll: ") + std::strerror(errno);
    }
    if (stopping_) break;
    if (fds[1].revents != 0) {
      drain_wake();
      std::string why;
      if (options_.pattern.empty() && !sync_channels(why)) return why;
    }
    if (ready == 0) {
      if (ping_sent) {
        return "no answer to PING within " + std::to_string(options_.ping_interval.count()) + " ms";
      }
      // PING is allowed in subscribe mode; its answer is ["pong", ""].
      redisAppendCommand(context_, "PING");
      int done = 0;
      while (!done) {
        if (redisBufferWrite(context_, &done) != REDIS_OK) return context_->errstr;
      }
      ping_sent = true;
      continue;
    }
    if (fds[0].revents != 0) {
      if (redisBufferRead(context_) != REDIS_OK) return context_->errstr;
      ping_sent = false;  // anything heard proves the peer alive
    }
  }
  return "stopping";
}

void RedisSubscriber::handle(const redisReply& reply) {
  // ["pmessage", pattern, channel, payload] or ["message", channel, payload];
  // anything else (the PING answer, a (un)subscribe answer) is not a view.
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 3 || !is_string(reply.element[0])) {
    return;
  }
  const std::string_view kind(reply.element[0]->str, reply.element[0]->len);
  const size_t first = kind == "pmessage" && reply.elements == 4  ? 2
                       : kind == "message" && reply.elements == 3 ? 1
                                                                  : 0;
  if (first == 0 || !is_string(reply.element[first]) || !is_string(reply.element[first + 1])) {
    return;
  }
  const std::string channel(reply.element[first]->str, reply.element[first]->len);
  std::string camera_id;
  if (!options_.channel_prefix.empty() && channel.starts_with(options_.channel_prefix)) {
    camera_id = channel.substr(options_.channel_prefix.size());
  } else {
    const size_t colon = channel.find(':');
    camera_id = colon == std::string::npos ? channel : channel.substr(colon + 1);
  }
  const redisReply* payload = reply.element[first + 1];
  ++messages_;
  try {
    listener_(camera_id, std::string(payload->str, payload->len));
  } catch (const std::exception& e) {
    // The listener's failure is one lost push, not a dead subscription.
    logger()->error("redis subscriber: listener failed on camera={}: {}", camera_id, e.what());
  }
}

bool RedisSubscriber::sleep(Millis delay) {
  if (stopping_) return false;
  pollfd fd{wake_[0], POLLIN, 0};
  poll(&fd, wake_[0] >= 0 ? 1 : 0, static_cast<int>(delay.count()));
  // A channel change woke it: the next connection subscribes them all anyway.
  drain_wake();
  return !stopping_;
}

void RedisSubscriber::disconnect() {
  if (context_) redisFree(context_);
  context_ = nullptr;
}

}  // namespace tmon::store
