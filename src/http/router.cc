#include "http/router.h"

#include "common/logging.h"

namespace tmon::http {

std::optional<std::string> RequestContext::query_param(const std::string& name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    if (end > start) segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

namespace {

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  for (size_t start = 0; start < query.size();) {
    const size_t end = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, end - start);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      out[url_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return out;
}

bool is_capture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(Verb method, std::string pattern, Handler handler) {
  add_async(
      method, std::move(pattern),
      [handler = std::move(handler)](RequestContext& context) -> boost::asio::awaitable<Response> {
        co_return handler(context);
      });
}

void Router::add_async(Verb method, std::string pattern, AsyncHandler handler) {
  routes_.push_back({method, split_path(pattern), std::move(handler)});
}

void Router::add_websocket(std::string path, WebSocketHandler handler) {
  websockets_[std::move(path)] = std::move(handler);
}

const WebSocketHandler* Router::websocket_handler(std::string_view target) const {
  const auto it = websockets_.find(std::string(target.substr(0, target.find('?'))));
  return it == websockets_.end() ? nullptr : &it->second;
}

void Router::set_access(std::shared_ptr<Access> access) {
  access_ = std::move(access);
  if (access_) access_->install_routes(*this);
}

std::variant<Response, WsGrant> Router::authorize_upgrade(const Request& request,
                                                          const Peer& peer) const {
  if (!access_) return WsGrant{Role::kAdmin, true};
  return access_->check_upgrade(request, peer);
}

void Router::add_stream(std::string pattern, StreamHandler handler) {
  streams_.push_back({split_path(pattern), std::move(handler)});
}

RequestContext Router::make_context(const Request& request) {
  const std::string_view target = request.target();
  const size_t question = target.find('?');
  RequestContext context{request, std::string(target.substr(0, question)), {}, {}, {}, false};
  if (question != std::string_view::npos) context.query = parse_query(target.substr(question + 1));
  return context;
}

std::optional<std::variant<Response, StreamStart>> Router::open_stream(const Request& request,
                                                                       const Peer& peer) const {
  if (streams_.empty() || request.method() != Verb::get) return std::nullopt;
  RequestContext context = make_context(request);
  context.peer = peer;
  const auto segments = split_path(context.path);
  for (const auto& stream : streams_) {
    std::map<std::string, std::string> params;
    if (!match(stream.segments, segments, params)) continue;
    context.path_params = std::move(params);
    if (access_) {
      if (auto refused = access_->check_request(request, peer)) {
        if (const auto origin = allowed_origin(cors_, request)) allow_origin(*refused, *origin);
        return std::variant<Response, StreamStart>(std::move(*refused));
      }
    }
    try {
      auto opened = stream.handler(context);
      if (const auto origin = allowed_origin(cors_, request)) {
        if (auto* start = std::get_if<StreamStart>(&opened)) {
          start->headers.emplace_back("Access-Control-Allow-Origin", *origin);
        } else {
          allow_origin(std::get<Response>(opened), *origin);
        }
      }
      return opened;
    } catch (const std::exception& e) {
      get_logger("http")->error("GET {}: stream handler failed: {}", context.path, e.what());
      return error_response(Status::internal_server_error, "internal", "internal error");
    }
  }
  return std::nullopt;
}

bool Router::match(const std::vector<std::string>& pattern,
                   const std::vector<std::string>& segments,
                   std::map<std::string, std::string>& params) {
  if (pattern.size() != segments.size()) return false;
  std::map<std::string, std::string> captured;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& expected = pattern[i];
    if (is_capture(expected)) {
      captured[expected.substr(1, expected.size() - 2)] = url_decode(segments[i]);
    } else if (expected != segments[i]) {
      return false;
    }
  }
  params = std::move(captured);
  return true;
}

boost::asio::awaitable<Response> Router::dispatch(const Request& request, Peer peer) const {
  const auto origin = allowed_origin(cors_, request);
  if (origin && is_preflight(request)) co_return preflight_response(*origin, request);
  std::optional<Response> response;
  if (access_) response = access_->check_request(request, peer);
  // Not a conditional expression: GCC miscompiles co_await inside one.
  if (!response) response = co_await route(request, std::move(peer));
  if (origin) allow_origin(*response, *origin);
  co_return std::move(*response);
}

boost::asio::awaitable<Response> Router::route(const Request& request, Peer peer) const {
  RequestContext context = make_context(request);
  context.peer = std::move(peer);
  const Verb method = request.method();
  context.admin_checked = access_ && (method == Verb::post || method == Verb::put ||
                                      method == Verb::patch || method == Verb::delete_);
  const auto segments = split_path(context.path);

  bool path_known = false;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!match(route.segments, segments, params)) continue;
    path_known = true;
    if (route.method != request.method()) continue;
    context.path_params = std::move(params);
    std::optional<Response> response;
    try {
      response = co_await route.handler(context);
    } catch (const std::exception& e) {
      get_logger("http")->error("{} {}: handler failed: {}", std::string(request.method_string()),
                                context.path, e.what());
    }
    if (!response) {
      co_return error_response(Status::internal_server_error, "internal", "internal error");
    }
    co_return std::move(*response);
  }
  if (path_known) {
    co_return error_response(
        Status::method_not_allowed, "method_not_allowed",
        "method " + std::string(request.method_string()) + " not allowed on " + context.path);
  }
  co_return error_response(Status::not_found, "not_found", "no route for " + context.path);
}

}  // namespace tmon::http
