#include "http/access.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/url_redaction.h"
#include "http/router.h"

namespace tmon::http {
namespace {

constexpr std::string_view kSessionCookie = "tmon_session";

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

bool changes_state(Verb method) {
  return method == Verb::post || method == Verb::put || method == Verb::patch ||
         method == Verb::delete_;
}

Response refuse(Status status, std::string_view words) {
  return error_response(status, words, words);
}

// "example.com:8080" -> "example.com"; "[::1]:5000" -> "::1".
std::string_view hostname_of(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  return host.substr(0, host.find(':'));
}

// "http://example.com:8080" -> "example.com:8080".
std::string_view authority_of(std::string_view origin) {
  const size_t scheme = origin.find("://");
  return scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
}

std::string header(const Request& request, beast_http::field field) {
  const auto it = request.find(field);
  return it == request.end() ? std::string() : std::string(it->value());
}

// The value of a cookie in the Cookie header, or "".
std::string cookie_value(const Request& request, std::string_view name) {
  const std::string cookies = header(request, beast_http::field::cookie);
  size_t start = 0;
  while (start < cookies.size()) {
    size_t end = cookies.find(';', start);
    if (end == std::string::npos) end = cookies.size();
    std::string_view pair(cookies.data() + start, end - start);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return "";
}

bool is_json_media_type(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  std::erase(type, ' ');
  std::transform(type.begin(), type.end(), type.begin(), ::tolower);
  return type == "application/json";
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kViewer:
      return "viewer";
    case Role::kNone:
      break;
  }
  return "none";
}

bool secret_equals(std::string_view given, std::string_view expected) {
  if (expected.empty() || given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

std::string random_token(int bytes) {
  std::vector<unsigned char> raw(static_cast<size_t>(bytes));
  if (RAND_bytes(raw.data(), bytes) != 1) throw std::runtime_error("no randomness from the OS");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(raw.size() * 2);
  for (const unsigned char byte : raw) {
    token.push_back(kHex[byte >> 4]);
    token.push_back(kHex[byte & 15]);
  }
  return token;
}

bool is_loopback_host(std::string_view host) {
  const std::string_view name = hostname_of(host);
  if (name == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(name), ec);
  return !ec && address.is_loopback();
}

std::string redact_target(std::string_view target) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, question + 1));
  std::string_view query = target.substr(question + 1);
  bool first = true;
  while (!query.empty() || first) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && is_secret_parameter(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1)).append("***");
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

Access::Access(AccessOptions options, Clock& clock) : options_(std::move(options)), clock_(clock) {}

Role Access::token_role(std::string_view token) const {
  if (token.empty()) return Role::kNone;
  // Both compared always, so timing does not say which one matched.
  const bool admin = secret_equals(token, options_.admin_token);
  const bool viewer = secret_equals(token, options_.viewer_token);
  if (admin) return Role::kAdmin;
  return viewer ? Role::kViewer : Role::kNone;
}

Role Access::session_role(const Request& request) const {
  const std::string id = cookie_value(request, kSessionCookie);
  if (id.empty()) return Role::kNone;
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return Role::kNone;
  if (it->second.expires <= clock_.now()) {
    sessions_.erase(it);
    return Role::kNone;
  }
  return it->second.role;
}

Role Access::role_of(const Request& request, bool query_token) const {
  Role role = std::max(token_role(bearer_token(request)), session_role(request));
  if (query_token) {
    const std::string_view target = request.target();
    const size_t question = target.find('?');
    if (question != std::string_view::npos) {
      std::string_view query = target.substr(question + 1);
      while (!query.empty()) {
        const size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        if (pair.starts_with("token=")) {
          role = std::max(role, token_role(url_decode(pair.substr(6))));
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
      }
    }
  }
  return role;
}

bool Access::origin_allowed(const Request& request, bool for_reads) const {
  const auto it = request.find(beast_http::field::origin);
  if (it == request.end()) return true;  // not a browser's cross-site request
  const std::string_view origin = it->value();
  for (const auto& allowed : options_.allowed_origins) {
    if (allowed == origin || (for_reads && allowed == "*")) return true;
  }
  // The server's own origin: the page it served. On loopback only under a
  // loopback name, so a rebound DNS name (evil.example -> 127.0.0.1) is not
  // taken for the server's own.
  const std::string host = header(request, beast_http::field::host);
  if (host.empty() || authority_of(origin) != host) return false;
  return !options_.open_reads || is_loopback_host(host);
}

bool Access::needs_read_credential(std::string_view path) const {
  if (options_.open_reads) return false;
  // Probes, scrapers and the login page stay reachable.
  if (path.starts_with("/health/") || path.starts_with("/api/health/") || path == "/metrics" ||
      path == "/api/session" || path == "/api/login" || path == "/api/logout") {
    return false;
  }
  return path.starts_with("/api/") || path == "/api" || path == "/ws" || path.starts_with("/ws/");
}

std::optional<Response> Access::check_request(const Request& request, const Peer& peer) const {
  const std::string_view path = path_of(request.target());
  if (!changes_state(request.method())) {
    if (request.method() == Verb::options) return std::nullopt;  // preflights carry nothing
    if (!needs_read_credential(path)) {
      // Open reads on loopback: a page under a rebound DNS name must not
      // read them either.
      const std::string host = header(request, beast_http::field::host);
      if (options_.open_reads && !host.empty() && !is_loopback_host(host) &&
          request.find(beast_http::field::origin) == request.end() &&
          role_of(request) == Role::kNone && path.starts_with("/api/") &&
          std::none_of(options_.allowed_origins.begin(), options_.allowed_origins.end(),
                       [&](const std::string& origin) { return authority_of(origin) == host; })) {
        return refuse(Status::forbidden, "Host is not a loopback name: use a credential");
      }
      return std::nullopt;
    }
    if (role_of(request) == Role::kNone) {
      return refuse(Status::unauthorized, "a viewer or admin credential is required");
    }
    return std::nullopt;
  }
  if (!origin_allowed(request)) return refuse(Status::forbidden, "origin not allowed");
  if (request.method() != Verb::delete_ && !request.body().empty() &&
      !is_json_media_type(header(request, beast_http::field::content_type))) {
    return refuse(Status::unsupported_media_type, "the body must be application/json");
  }
  if (path == "/api/login" || path == "/api/logout") return std::nullopt;
  const Role role = role_of(request);
  if (role == Role::kNone) return refuse(Status::unauthorized, "an admin credential is required");
  if (role != Role::kAdmin) return refuse(Status::forbidden, "the admin role is required");
  if (options_.admin_token_generated && !peer.loopback) {
    return refuse(Status::forbidden,
                  "control is accepted from loopback only: set api.admin_token to allow more");
  }
  return std::nullopt;
}

std::variant<Response, WsGrant> Access::check_upgrade(const Request& request,
                                                      const Peer& peer) const {
  if (!origin_allowed(request)) return refuse(Status::forbidden, "origin not allowed");
  WsGrant grant;
  grant.role = role_of(request, true);
  const auto origin = request.find(beast_http::field::origin);
  // The original front end's page: listed by the operator, sends no credential.
  const bool listed_origin =
      origin != request.end() &&
      std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(),
                std::string(origin->value())) != options_.allowed_origins.end();
  if (grant.role == Role::kNone && !listed_origin &&
      needs_read_credential(path_of(request.target()))) {
    return refuse(Status::unauthorized, "a viewer or admin credential is required");
  }
  const bool peer_may_control = !options_.admin_token_generated || peer.loopback;
  grant.may_control = peer_may_control && (grant.role == Role::kAdmin || listed_origin);
  return grant;
}

size_t Access::sessions() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::string Access::open_session(Role role) {
  std::string id = random_token(32);
  const SteadyTime now = clock_.now();
  std::lock_guard lock(mu_);
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires <= now; });
  while (sessions_.size() >= options_.max_sessions && !sessions_.empty()) {
    const auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    sessions_.erase(oldest);
  }
  sessions_[id] = Session{role, now + options_.session_ttl};
  return id;
}

void Access::close_session(const Request& request) {
  const std::string id = cookie_value(request, kSessionCookie);
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

void Access::install_routes(Router& router) {
  router.add(Verb::post, "/api/login", [this](RequestContext& context) {
    const auto body = nlohmann::json::parse(context.request.body(), nullptr, false);
    const auto token = body.is_object() ? body.find("token") : body.end();
    if (!body.is_object() || token == body.end() || !token->is_string()) {
      return refuse(Status::bad_request, "the body must be {\"token\": \"...\"}");
    }
    const Role role = token_role(token->get_ref<const std::string&>());
    if (role == Role::kNone) return refuse(Status::unauthorized, "wrong token");
    Response response = json_response(Status::ok, nlohmann::json{{"role", to_string(role)}}.dump());
    response.set(beast_http::field::set_cookie,
                 std::string(kSessionCookie) + "=" + open_session(role) +
                     "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
                     std::to_string(options_.session_ttl.count() / 1000));
    return response;
  });
  router.add(Verb::post, "/api/logout", [this](RequestContext& context) {
    close_session(context.request);
    Response response = json_response(Status::ok, R"({"authenticated":false})");
    response.set(beast_http::field::set_cookie, std::string(kSessionCookie) +
                                                    "=; HttpOnly; SameSite=Strict; Path=/; "
                                                    "Max-Age=0");
    return response;
  });
  router.add(Verb::get, "/api/session", [this](RequestContext& context) {
    const Role role = role_of(context.request);
    nlohmann::json body{{"authenticated", role != Role::kNone},
                        {"role", nullptr},
                        {"authRequired", !options_.open_reads}};
    if (role != Role::kNone) body["role"] = to_string(role);
    return json_response(Status::ok, body.dump());
  });
}

}  // namespace tmon::http
