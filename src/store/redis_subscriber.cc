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
  if (wake_[1] >= 0) {
    const char byte = 0;
    [[maybe_unused]] const auto n = write(wake_[1], &byte, 1);
  }
  if (thread_.joinable()) thread_.join();
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
        logger()->info("redis subscriber: subscribed to {} on {}", options_.pattern,
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
  // ["pmessage", pattern, channel, payload]; anything else (the PING answer) is not a view.
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 4 || !is_string(reply.element[0]) ||
      std::string_view(reply.element[0]->str, reply.element[0]->len) != "pmessage" ||
      !is_string(reply.element[2]) || !is_string(reply.element[3])) {
    return;
  }
  const std::string channel(reply.element[2]->str, reply.element[2]->len);
  const size_t colon = channel.find(':');
  const std::string camera_id = colon == std::string::npos ? channel : channel.substr(colon + 1);
  ++messages_;
  try {
    listener_(camera_id, std::string(reply.element[3]->str, reply.element[3]->len));
  } catch (const std::exception& e) {
    // The listener's failure is one lost push, not a dead subscription.
    logger()->error("redis subscriber: listener failed on camera={}: {}", camera_id, e.what());
  }
}

bool RedisSubscriber::sleep(Millis delay) {
  if (stopping_) return false;
  pollfd fd{wake_[0], POLLIN, 0};
  poll(&fd, wake_[0] >= 0 ? 1 : 0, static_cast<int>(delay.count()));
  return !stopping_;
}

void RedisSubscriber::disconnect() {
  if (context_) redisFree(context_);
  context_ = nullptr;
}

}  // namespace tmon::store
