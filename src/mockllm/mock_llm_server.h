#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "http/server.h"
#include "llm/token_estimate.h"
#include "mockllm/window_counter.h"

namespace tmon::mockllm {

// Limits as a provider enforces them; 0 means unlimited.
struct MockLimits {
  int64_t per_second = 0;
  int64_t per_minute = 0;
  int64_t tokens_per_minute = 0;  // prompt + completion, counted at admission
};

struct MockAccount {
  MockLimits limits;
  bool quota_exhausted = false;  // every call answers the provider's billing error (Arrearage)
};

// DashScope's limit_burst_rate: traffic that rises too fast is refused. Here:
// in any 1-second window at most max(start, factor × what was accepted in
// the second before it). start = 0 turns the rule off.
struct BurstRule {
  int64_t start = 0;
  double factor = 2;
};

struct MockKey {
  std::string name;      // shown in stats instead of the key
  std::string account;   // limits are per account
  MockLimits limits;     // optional per-key limits on top of the account's
  bool revoked = false;  // answers 401 like an unknown key
};

// Fractions of accepted calls that misbehave, drawn independently per call.
struct FaultRates {
  double server_error = 0;  // 500
  double hang = 0;          // no answer for `hang_for` (longer than client timeouts)
  double fenced = 0;        // content in a ``` fence
  double prose = 0;         // content wrapped in prose
  double malformed = 0;     // content is truncated JSON
};

struct MockLlmOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  int threads = 2;
  double latency_median_ms = 800;  // lognormal latency: median and sigma of ln
  double latency_sigma = 0.3;
  std::map<std::string, MockKey> keys;          // secret -> key; empty accepts any bearer key
  std::map<std::string, MockAccount> accounts;  // by name; unlisted accounts are unlimited
  FaultRates faults;
  std::chrono::milliseconds hang_for{120'000};
  std::optional<int> retry_after_seconds;  // sent with 429s when set
  // Error answers quote the request's Authorization header in their message,
  // as a careless proxy would (for leak tests).
  bool echo_authorization = false;
  // Requests are judged (counted against limits) a random 0..arrival_jitter
  // after they arrive: the network between a client and a cloud API, which
  // the client cannot see.
  std::chrono::milliseconds arrival_jitter{0};
  BurstRule burst;
  std::map<std::string, llm::TokenRule> token_rules;  // by model; others: TokenRule{}
  // The provider counts each model apart: calls on other models than this
  // one count as account "name/model" (limits from accounts["name/model"],
  // else the account's own).
  std::string primary_model = "qwen-vl-plus";
  uint64_t seed = 1;
  Clock* clock = nullptr;  // null: the system clock
};

// A DashScope-compatible chat-completions server for tests, demos and
// benchmarks (POST /compatible-mode/v1/chat/completions and
// /v1/chat/completions), a stand-in for the one remote dependency tmon has:
// - keys map to accounts; accounts (and optionally keys) have limits per
//   second and per minute over sliding windows; over a limit the answer is
//   DashScope's 429 (code limit_requests), optionally with Retry-After;
// - tokens per minute (prompt by tmon's rule, llm/token_estimate.h, plus the
//   reply's): over it, or while an operator set a temporary quota outage,
//   DashScope's 429 insufficient_quota "Allocated quota exceeded";
// - a burst rule (limit_burst_rate) and an arrival jitter (see the options);
// - unknown or revoked keys get 401 invalid_api_key; an exhausted account
//   gets 400 Arrearage;
// - 200s carry x-ratelimit-limit-requests (per minute) and
//   x-ratelimit-limit-tokens, which `tmon keys verify --limits` reads;
// - latency is lognormal; faults (500, hangs, fenced/prose/malformed
//   content) come at configured rates;
// - the content is a risk assessment derived from the request alone.
// GET /__stats reports, per key and per account, requests, 200s, 429s (by
// kind), 401s, quota errors, 5xx, hangs, tokens, and the most requests
// accepted in any 1-second and any 60-second window and the most tokens in
// any minute, so a test can prove no limit was exceeded; and the last
// refusals (`refusals`, at most kRecentRefusals): which window refused
// which request, when it was judged and how big it was, so each 429 of a
// benchmark can be traced to its cause.
// Faults an operator turns on and off while it runs (POST, JSON body):
// /__admin/keys/{name}/revoke and /restore; /__admin/accounts/{name}/quota
// {"seconds": N, "model": optional} (temporary quota for N s); /__admin/accounts/{name}/arrears
// and /settle (lasting billing error on and off).
class MockLlmServer {
 public:
  static Result<std::unique_ptr<MockLlmServer>> start(MockLlmOptions options);
  ~MockLlmServer();

  int port() const { return server_->port(); }
  // The base_url a client should use (DashScope's compatible-mode layout).
  std::string base_url() const;
  // The /__stats document.
  std::string stats_json() const;
  void stop();

 private:
  struct Counters {
    int64_t requests = 0;
    int64_t ok = 0;
    int64_t rate_limited = 0;  // every 429
    int64_t burst_limited = 0;
    int64_t token_limited = 0;  // insufficient_quota (TPM or a temporary outage)
    int64_t unauthorized = 0;
    int64_t quota_errors = 0;
    int64_t bad_requests = 0;
    int64_t server_errors = 0;
    int64_t hangs = 0;
    WindowCounter second{std::chrono::milliseconds(1000)};
    WindowCounter minute{std::chrono::milliseconds(60'000)};
    TokenWindow tokens{std::chrono::milliseconds(60'000)};
  };
  enum class Verdict {
    kUnauthorized,
    kBadRequest,
    kQuota,
    kTokens,
    kBurst,
    kRateLimited,
    kServerError,
    kHang,
    kOk
  };
  struct Admission {
    Verdict verdict = Verdict::kOk;
    std::string key_name;
    std::string account;
    double shape_draw = 0;
    std::chrono::milliseconds latency{0};
    MockLimits limits;  // the account's, for the reply's headers
    std::string refused_by;  // the window that refused it (Refusal::window)
    int64_t in_window = 0;
    std::vector<int64_t> window_ms_before;  // Refusal::window_ms_before
    Millis judged_after{0};  // after its arrival: held back behind a request processed first
  };
  // A parsed request and what it costs.
  struct Costing {
    bool valid = false;
    std::string model;
    std::string content;  // the plain JSON assessment
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
  };
  // One refused request, as /__stats lists it.
  struct Refusal {
    std::string key_name;
    std::string account;
    std::string window;  // which rule refused: account_second, key_minute, tokens, ...
    int64_t judged_epoch_ms = 0;
    int64_t body_bytes = 0;
    int64_t in_window = 0;  // requests (or tokens) already in that window
    int64_t tokens = 0;     // what the request would have added (prompt + completion)
    // A per-second window's requests: how long before this one each was
    // judged (the one that came late is the cause).
    std::vector<int64_t> window_ms_before;
  };
  static constexpr size_t kRecentRefusals = 64;
  struct AccountState {
    SteadyTime quota_until{};  // temporary quota outage
    bool arrears = false;
  };

  explicit MockLlmServer(MockLlmOptions options);
  std::shared_ptr<http::Router> make_router();
  void add_admin_routes(http::Router& router);
  Costing cost(const std::string& body) const;
  Admission admit(const http::Request& request, const Costing& costing, SteadyTime now);
  void note_refusal(const Admission& admission, const Costing& costing, int64_t judged_epoch_ms,
                    int64_t body_bytes);
  boost::asio::awaitable<http::Response> chat_completions(http::RequestContext& context);

  MockLlmOptions options_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, AccountState> account_state_;
  std::mt19937_64 random_;
  std::map<std::string, Counters> by_key_;
  std::map<std::string, Counters> by_account_;
  std::deque<Refusal> refusals_;  // the last kRecentRefusals
  SteadyTime last_judged_{};      // admit() judges in processing order
  std::unique_ptr<http::Server> server_;
};

}  // namespace tmon::mockllm
