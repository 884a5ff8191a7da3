#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "http/access.h"
#include "http/cors.h"
#include "http/stream_session.h"
#include "http/types.h"
#include "http/websocket.h"

namespace tmon::http {

// What a handler sees: the request, "{name}" path parameters and the query.
struct RequestContext {
  const Request& request;
  std::string path;                                // without the query string
  std::map<std::string, std::string> path_params;  // decoded
  std::map<std::string, std::string> query;        // decoded; last value wins
  Peer peer = {};
  // The router's access rules admitted this request as the admin's (a state
  // change under set_access): handlers need not check a token again.
  bool admin_checked = false;

  std::optional<std::string> query_param(const std::string& name) const;
};

// Maps method + path pattern to a handler. Patterns are literal segments and
// "{name}" captures, e.g. "/api/cameras/{id}/latest". Unknown paths get 404,
// known paths with another method 405, both as JSON error bodies. A handler
// that throws becomes a 500 with a generic message (the detail is logged).
class Router {
 public:
  using AsyncHandler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;
  using Handler = std::function<Response(RequestContext&)>;
  // Either a plain response (e.g. a 400 for a bad query) or a stream.
  using StreamHandler = std::function<std::variant<Response, StreamStart>(RequestContext&)>;

  void add(Verb method, std::string pattern, Handler handler);
  void add_async(Verb method, std::string pattern, AsyncHandler handler);

  boost::asio::awaitable<Response> dispatch(const Request& request, Peer peer = {}) const;

  // Access rules checked before any route, stream or upgrade (access.h);
  // without them every request is let through (internal servers, tests).
  // Also installs the login, logout and session routes.
  void set_access(std::shared_ptr<Access> access);
  const std::shared_ptr<Access>& access() const { return access_; }

  // Answers browsers' cross-origin requests on the policy's paths:
  // preflights of known paths get 204, answers get
  // Access-Control-Allow-Origin (streams too).
  void set_cors(CorsPolicy policy) { cors_ = std::move(policy); }

  // A WebSocket endpoint: an upgrade request for `path` becomes a session
  // handed to `handler`.
  void add_websocket(std::string path, WebSocketHandler handler);
  // The handler for an upgrade to this target, or null.
  const WebSocketHandler* websocket_handler(std::string_view target) const;
  // What an upgrade to a WebSocket path may do, or the refusal to send.
  std::variant<Response, WsGrant> authorize_upgrade(const Request& request, const Peer& peer) const;

  // A GET endpoint whose response is a long-lived stream (Server-Sent
  // Events): the connection is handed to a StreamSession, as an upgrade is.
  void add_stream(std::string pattern, StreamHandler handler);
  // What a stream route answers to this request; nullopt when no stream
  // route matches it (dispatch() then serves it as usual).
  std::optional<std::variant<Response, StreamStart>> open_stream(const Request& request,
                                                                 const Peer& peer = {}) const;

 private:
  struct Route {
    Verb method;
    std::vector<std::string> segments;
    AsyncHandler handler;
  };
  static bool match(const std::vector<std::string>& pattern,
                    const std::vector<std::string>& segments,
                    std::map<std::string, std::string>& params);

  struct StreamRoute {
    std::vector<std::string> segments;
    StreamHandler handler;
  };
  static RequestContext make_context(const Request& request);

  boost::asio::awaitable<Response> route(const Request& request, Peer peer) const;

  std::vector<Route> routes_;
  std::vector<StreamRoute> streams_;
  CorsPolicy cors_;
  std::shared_ptr<Access> access_;
  std::map<std::string, WebSocketHandler> websockets_;
};

// Splits "/a/b/" into {"a", "b"}; empty segments are dropped.
std::vector<std::string> split_path(std::string_view path);

}  // namespace tmon::http
