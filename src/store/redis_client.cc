#include "store/redis_client.h"

#include <hiredis/hiredis.h>

#include <charconv>

namespace tmon::store {

Result<RedisAddress> RedisAddress::parse(const std::string& url) {
  const auto invalid = [&](const std::string& why) {
    // The URL may hold a password: never echo it back.
    return make_error(ErrorCode::kInvalidArgument, "invalid Redis URL: " + why);
  };
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind(kScheme, 0) != 0) return invalid("expected redis://host:port/db");
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  RedisAddress address;
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      userinfo = userinfo.substr(colon + 1);
    }
    address.password = std::string(userinfo);
    rest = rest.substr(at + 1);
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      const auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), address.db);
      if (ec != std::errc{} || end != db.data() + db.size() || address.db < 0) {
        return invalid("bad database number");
      }
    }
  }
  const size_t colon = authority.rfind(':');
  address.host = std::string(authority.substr(0, colon));
  if (address.host.empty()) return invalid("missing host");
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
    if (ec != std::errc{} || end != port.data() + port.size() || address.port <= 0 ||
        address.port > 65535) {
      return invalid("bad port");
    }
  }
  return address;
}

std::string RedisAddress::describe() const {
  return host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

namespace {

RedisReply copy_reply(const redisReply* reply) {
  RedisReply out;
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.text.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.text.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < reply->elements; ++i) {
        out.elements.push_back(copy_reply(reply->element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

timeval to_timeval(Millis timeout) {
  return timeval{static_cast<time_t>(timeout.count() / 1000),
                 static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
}

}  // namespace

RedisClient::RedisClient(RedisAddress address, Millis timeout)
    : address_(std::move(address)), timeout_(timeout) {}

RedisClient::~RedisClient() {
  disconnect();
}

void RedisClient::disconnect() {
  if (context_) redisFree(context_);
  context_ = nullptr;
}

Status RedisClient::ensure_connected() {
  if (context_) return {};
  const timeval tv = to_timeval(timeout_);
  context_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, tv);
  if (!context_ || context_->err) {
    const std::string why = context_ ? context_->errstr : "out of memory";
    disconnect();
    return make_error(ErrorCode::kUnavailable, "redis " + address_.describe() + ": " + why);
  }
  redisSetTimeout(context_, tv);
  Status ok;
  if (!address_.password.empty()) ok = run({"AUTH", address_.password}).map([](auto&&) {});
  if (ok && address_.db != 0) ok = run({"SELECT", std::to_string(address_.db)}).map([](auto&&) {});
  if (!ok) disconnect();
  return ok;
}

Result<RedisReply> RedisClient::run(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  args.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const auto& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(args.size()), args.data(), lengths.data()));
  if (!reply) {
    const std::string why = context_->errstr;
    disconnect();  // the next call reconnects
    return make_error(ErrorCode::kUnavailable, "redis " + address_.describe() + ": " + why);
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    const std::string text(reply->str, reply->len);
    freeReplyObject(reply);
    return make_error(ErrorCode::kRejected, "redis: " + text);
  }
  RedisReply out = copy_reply(reply);
  freeReplyObject(reply);
  return out;
}

Result<RedisReply> RedisClient::command(const std::vector<std::string>& argv) {
  std::lock_guard lock(mu_);
  if (auto ok = ensure_connected(); !ok) return tl::unexpected(ok.error());
  return run(argv);
}

Status RedisClient::ping() {
  auto reply = command({"PING"});
  if (!reply) return tl::unexpected(reply.error());
  return {};
}

}  // namespace tmon::store
