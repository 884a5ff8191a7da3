#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "http/types.h"

namespace tmon::http {

class Router;

// Who a request speaks for: nobody, a read-only dashboard, or an operator.
enum class Role { kNone, kViewer, kAdmin };
std::string_view to_string(Role role);

// The other end of a connection, as the server accepted it.
struct Peer {
  std::string address = "127.0.0.1";
  bool loopback = true;
};

struct AccessOptions {
  std::string admin_token;   // empty: nobody may change state
  std::string viewer_token;  // empty: no read-only credential
  // The admin token was generated at start (none configured): control is
  // then accepted from loopback peers only.
  bool admin_token_generated = false;
  // Browser origins trusted besides the server's own ("*" allows any origin
  // to READ, never to change state).
  std::vector<std::string> allowed_origins;
  // Read-only requests need no credential (the server listens on loopback).
  bool open_reads = true;
  size_t max_sessions = 1024;
  Millis session_ttl{12LL * 3600 * 1000};
};

// What a WebSocket connection may do, decided once at its upgrade.
struct WsGrant {
  Role role = Role::kNone;
  // May start, stop and probe sources: an admin credential, or an upgrade
  // from an allowed browser origin (the original front end sends none).
  bool may_control = false;
};

// The server's access rules, enforced by the router for every request, so
// routes added later are covered too:
// - a browser request (one with Origin) that changes state, and every
//   WebSocket upgrade from a browser, must come from the server's own origin
//   or an allowed one (403);
// - POST/PUT/PATCH bodies must be application/json (415): a cross-site form
//   cannot send that without a preflight;
// - changing state needs the admin credential: "Authorization: Bearer
//   <token>" or a session cookie from POST /api/login (401 without, 403 for a
//   viewer); with a generated token, only from loopback peers;
// - reads need the viewer (or admin) credential unless open_reads; health,
//   metrics, the session endpoints and non-API pages stay open for probes,
//   scrapers and the login page.
// Tokens are compared in constant time; sessions live in a bounded map with
// expiry (the oldest goes when it is full). Thread-safe.
class Access {
 public:
  Access(AccessOptions options, Clock& clock);

  // nullopt: the request may proceed; else the refusal to send.
  std::optional<Response> check_request(const Request& request, const Peer& peer) const;
  // For a WebSocket upgrade: what the connection may do, or the refusal.
  std::variant<Response, WsGrant> check_upgrade(const Request& request, const Peer& peer) const;

  // The strongest role the request's credentials carry. `query_token`
  // also reads "?token=" (WebSocket upgrades, which browsers cannot give
  // headers).
  Role role_of(const Request& request, bool query_token = false) const;
  // Whether the request's Origin (if any) is the server's own or allowed.
  // `for_reads` also accepts "*".
  bool origin_allowed(const Request& request, bool for_reads = false) const;

  // POST /api/login {"token":...}, POST /api/logout, GET /api/session.
  void install_routes(Router& router);

  const AccessOptions& options() const { return options_; }
  size_t sessions() const;

 private:
  Role token_role(std::string_view token) const;
  Role session_role(const Request& request) const;
  std::string open_session(Role role);
  void close_session(const Request& request);
  bool needs_read_credential(std::string_view path) const;

  AccessOptions options_;
  Clock& clock_;
  struct Session {
    Role role;
    SteadyTime expires;
  };
  mutable std::mutex mu_;
  mutable std::map<std::string, Session> sessions_;
};

// Constant-time equality for secrets (length is not hidden).
bool secret_equals(std::string_view given, std::string_view expected);
// 2*bytes hex characters from the OS's CSPRNG: tokens and session ids.
std::string random_token(int bytes = 24);
// Whether a listen address or Host name is the local machine only.
bool is_loopback_host(std::string_view host);
// A request target with the values of credential-like query parameters
// (token, password, key, ...) replaced by "***": for logs.
std::string redact_target(std::string_view target);

}  // namespace tmon::http
