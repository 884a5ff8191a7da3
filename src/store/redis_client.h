#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

struct redisContext;

namespace tmon::store {

// Where a Redis server is: redis://[:password@]host[:port][/db].
struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string password;  // secret: never logged

  static Result<RedisAddress> parse(const std::string& url);
  std::string describe() const;  // host:port/db, without the password
};

// A reply, copied out of hiredis.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string text;  // kString and kStatus
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::kNil; }
};

// One synchronous connection to Redis, shared by threads (calls serialize).
// Reconnects on the next call after any I/O error, so a Redis restart costs
// the calls made while it was down (they return kUnavailable), nothing more.
// Redis error replies ("-ERR ...") come back as kRejected.
class RedisClient {
 public:
  RedisClient(RedisAddress address, Millis timeout);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  Result<RedisReply> command(const std::vector<std::string>& argv);
  // Connects now, to fail fast at start-up.
  Status ping();
  const RedisAddress& address() const { return address_; }

 private:
  Status ensure_connected();
  // Runs one command on the open connection; mu_ held.
  Result<RedisReply> run(const std::vector<std::string>& argv);
  void disconnect();

  RedisAddress address_;
  Millis timeout_;
  std::mutex mu_;
  redisContext* context_ = nullptr;
};

}  // namespace tmon::store
