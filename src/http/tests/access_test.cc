// The router-level access rules (access.h), as an attacker would probe them:
// no credential, a wrong one, a viewer's, a cross-site origin, a form's
// content type, a rebound DNS name; and the login session that the
// dashboard uses.
#include "http/access.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "http/router.h"

namespace tmon::http {
namespace {

constexpr const char* kAdmin = "admin-token-0123456789";
constexpr const char* kViewer = "viewer-token-0123456789";

struct Call {
  Call() = default;
  Call(Verb method_, std::string target_, std::string body_ = "", std::string content_type_ = "",
       std::map<std::string, std::string> headers_ = {})
      : method(method_),
        target(std::move(target_)),
        body(std::move(body_)),
        content_type(std::move(content_type_)),
        headers(std::move(headers_)) {}

  Verb method = Verb::get;
  std::string target = "/api/things";
  std::string body;
  std::string content_type;
  std::map<std::string, std::string> headers;
  Peer peer{"127.0.0.1", true};
};

class AccessTest : public ::testing::Test {
 protected:
  void make(AccessOptions options) {
    access_ = std::make_shared<Access>(std::move(options), clock_);
    router_ = std::make_shared<Router>();
    router_->add(Verb::get, "/api/things",
                 [](RequestContext&) { return json_response(Status::ok, "[]"); });
    router_->add(Verb::post, "/api/things", [this](RequestContext& context) {
      ++changes_;
      EXPECT_TRUE(context.admin_checked);
      return json_response(Status::created, "{}");
    });
    router_->add(Verb::get, "/health/health_check",
                 [](RequestContext&) { return json_response(Status::ok, "{}"); });
    router_->set_access(access_);
  }
  AccessOptions defaults() {
    AccessOptions options;
    options.admin_token = kAdmin;
    options.viewer_token = kViewer;
    options.allowed_origins = {"http://front.example"};
    return options;
  }
  Request request(const Call& call) {
    Request request{call.method, call.target, 11};
    request.set(beast_http::field::host, "127.0.0.1:5000");
    if (!call.content_type.empty()) request.set(beast_http::field::content_type, call.content_type);
    for (const auto& [name, value] : call.headers) request.set(name, value);
    request.body() = call.body;
    request.prepare_payload();
    return request;
  }
  Response run(const Call& call) {
    boost::asio::io_context io;
    const Request sent = request(call);  // outlives the coroutine, which holds a reference
    auto future =
        boost::asio::co_spawn(io, router_->dispatch(sent, call.peer), boost::asio::use_future);
    io.run();
    return future.get();
  }
  static Call post(std::map<std::string, std::string> headers = {}) {
    return Call{Verb::post, "/api/things", R"({"a":1})", "application/json", std::move(headers)};
  }
  static std::string bearer(const std::string& token) { return "Bearer " + token; }

  ManualClock clock_;
  std::shared_ptr<Access> access_;
  std::shared_ptr<Router> router_;
  int changes_ = 0;
};

TEST_F(AccessTest, ControlNeedsTheAdminToken) {
  make(defaults());
  EXPECT_EQ(run(post()).result(), Status::unauthorized);
  EXPECT_EQ(run(post({{"Authorization", bearer("wrong")}})).result(), Status::unauthorized);
  EXPECT_EQ(run(post({{"Authorization", bearer(std::string(kAdmin) + "x")}})).result(),
            Status::unauthorized);
  EXPECT_EQ(run(post({{"Authorization", bearer(kViewer)}})).result(), Status::forbidden);
  EXPECT_EQ(changes_, 0);
  const auto ok = run(post({{"Authorization", bearer(kAdmin)}}));
  EXPECT_EQ(ok.result(), Status::created) << ok.body();
  EXPECT_EQ(changes_, 1);
  // The refusal is JSON with words under "error".
  const auto refused = nlohmann::json::parse(run(post()).body());
  EXPECT_TRUE(refused["error"].is_string());
}

TEST_F(AccessTest, NoAdminTokenMeansNoControl) {
  auto options = defaults();
  options.admin_token = "";
  make(options);
  EXPECT_EQ(run(post({{"Authorization", "Bearer "}})).result(), Status::unauthorized);
  EXPECT_EQ(run(post({{"Authorization", bearer("")}})).result(), Status::unauthorized);
}

TEST_F(AccessTest, CrossSiteRequestsAreRefused) {
  make(defaults());
  // A page elsewhere, even one that somehow holds the token.
  auto evil = post({{"Origin", "http://evil.example"}, {"Authorization", bearer(kAdmin)}});
  EXPECT_EQ(run(evil).result(), Status::forbidden);
  // A cross-site form: text/plain, no preflight.
  Call form{
      Verb::post, "/api/things", R"({"a":1})", "text/plain", {{"Authorization", bearer(kAdmin)}}};
  EXPECT_EQ(run(form).result(), Status::unsupported_media_type);
  form.content_type = "application/x-www-form-urlencoded";
  EXPECT_EQ(run(form).result(), Status::unsupported_media_type);
  EXPECT_EQ(changes_, 0);
  // The allowed origin and the server's own are fine.
  EXPECT_EQ(
      run(post({{"Origin", "http://front.example"}, {"Authorization", bearer(kAdmin)}})).result(),
      Status::created);
  EXPECT_EQ(
      run(post({{"Origin", "http://127.0.0.1:5000"}, {"Authorization", bearer(kAdmin)}})).result(),
      Status::created);
  // "*" lets any page read, never act.
  auto star = defaults();
  star.allowed_origins = {"*"};
  make(star);
  EXPECT_EQ(
      run(post({{"Origin", "http://evil.example"}, {"Authorization", bearer(kAdmin)}})).result(),
      Status::forbidden);
}

TEST_F(AccessTest, GeneratedTokenControlsFromLoopbackOnly) {
  auto options = defaults();
  options.admin_token_generated = true;
  make(options);
  auto remote = post({{"Authorization", bearer(kAdmin)}});
  remote.peer = Peer{"10.1.2.3", false};
  EXPECT_EQ(run(remote).result(), Status::forbidden);
  EXPECT_EQ(run(post({{"Authorization", bearer(kAdmin)}})).result(), Status::created);
}

TEST_F(AccessTest, ReadsAreOpenOnLoopbackAndNeedTheViewerElsewhere) {
  make(defaults());
  EXPECT_EQ(run(Call{}).result(), Status::ok);
  // A page under a rebound DNS name (evil.example -> 127.0.0.1) reads nothing.
  Call rebound;
  rebound.headers = {{"Host", "evil.example:5000"}};
  EXPECT_EQ(run(rebound).result(), Status::forbidden);

  auto exposed = defaults();
  exposed.open_reads = false;
  make(exposed);
  EXPECT_EQ(run(Call{}).result(), Status::unauthorized);
  Call wrong;
  wrong.headers = {{"Authorization", bearer("nope")}};
  EXPECT_EQ(run(wrong).result(), Status::unauthorized);
  Call viewer;
  viewer.headers = {{"Authorization", bearer(kViewer)}};
  EXPECT_EQ(run(viewer).result(), Status::ok);
  // Probes stay open.
  EXPECT_EQ(run(Call{Verb::get, "/health/health_check"}).result(), Status::ok);
}

TEST_F(AccessTest, LoginGivesAStrictHttpOnlySessionThatLogoutEnds) {
  make(defaults());
  Call wrong{Verb::post, "/api/login", R"({"token":"nope"})", "application/json"};
  EXPECT_EQ(run(wrong).result(), Status::unauthorized);
  Call login{Verb::post, "/api/login", nlohmann::json{{"token", kAdmin}}.dump(),
             "application/json"};
  const auto answer = run(login);
  ASSERT_EQ(answer.result(), Status::ok) << answer.body();
  EXPECT_EQ(nlohmann::json::parse(answer.body())["role"], "admin");
  const std::string cookie(answer[beast_http::field::set_cookie]);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/"), std::string::npos);
  const std::string session = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(session.find(kAdmin), std::string::npos);  // a session id, not the token

  EXPECT_EQ(run(post({{"Cookie", session}})).result(), Status::created);
  Call status{Verb::get, "/api/session", "", "", {{"Cookie", session}}};
  const auto state = nlohmann::json::parse(run(status).body());
  EXPECT_EQ(state["authenticated"], true);
  EXPECT_EQ(state["role"], "admin");
  EXPECT_EQ(state["authRequired"], false);

  Call logout{Verb::post, "/api/logout", "", "", {{"Cookie", session}}};
  EXPECT_EQ(run(logout).result(), Status::ok);
  EXPECT_EQ(run(post({{"Cookie", session}})).result(), Status::unauthorized);
  EXPECT_EQ(nlohmann::json::parse(run(status).body())["role"], nullptr);
}

TEST_F(AccessTest, SessionsExpireAndAreBounded) {
  auto options = defaults();
  options.max_sessions = 3;
  options.session_ttl = Millis(60'000);
  make(options);
  Call login{Verb::post, "/api/login", nlohmann::json{{"token", kViewer}}.dump(),
             "application/json"};
  std::string first;
  for (int i = 0; i < 10; ++i) {
    const auto answer = run(login);
    ASSERT_EQ(answer.result(), Status::ok);
    if (i == 0) first = std::string(answer[beast_http::field::set_cookie]);
  }
  EXPECT_LE(access_->sessions(), 3u);
  const auto answer = run(login);
  const std::string cookie(answer[beast_http::field::set_cookie]);
  Call read{Verb::get, "/api/session", "", "", {{"Cookie", cookie.substr(0, cookie.find(';'))}}};
  EXPECT_EQ(nlohmann::json::parse(run(read).body())["role"], "viewer");
  clock_.advance(Millis(61'000));
  EXPECT_EQ(nlohmann::json::parse(run(read).body())["role"], nullptr);
}

TEST_F(AccessTest, WebSocketUpgradesNeedAnAllowedOriginAndGrantControlByCredential) {
  auto options = defaults();
  options.open_reads = false;
  make(options);
  const auto upgrade = [&](std::map<std::string, std::string> headers, std::string target = "/ws",
                           Peer peer = {}) {
    Call call{Verb::get, std::move(target), "", "", std::move(headers)};
    return access_->check_upgrade(request(call), peer);
  };
  const auto refused = [](const std::variant<Response, WsGrant>& result) {
    return std::holds_alternative<Response>(result) ? std::get<Response>(result).result()
                                                    : Status::ok;
  };
  EXPECT_EQ(refused(upgrade({{"Origin", "http://evil.example"}})), Status::forbidden);
  EXPECT_EQ(
      refused(upgrade({{"Origin", "http://evil.example"}}, std::string("/ws?token=") + kAdmin)),
      Status::forbidden);
  EXPECT_EQ(refused(upgrade({})), Status::unauthorized);
  // The original front end: an allowed origin, no credential, may control.
  auto front = upgrade({{"Origin", "http://front.example"}});
  ASSERT_TRUE(std::holds_alternative<WsGrant>(front));
  EXPECT_TRUE(std::get<WsGrant>(front).may_control);
  // A viewer may watch, not control; ?token= works for scripts.
  auto viewer = upgrade({}, std::string("/ws?token=") + kViewer);
  ASSERT_TRUE(std::holds_alternative<WsGrant>(viewer));
  EXPECT_FALSE(std::get<WsGrant>(viewer).may_control);
  auto admin = upgrade({}, std::string("/ws?token=") + kAdmin);
  ASSERT_TRUE(std::holds_alternative<WsGrant>(admin));
  EXPECT_TRUE(std::get<WsGrant>(admin).may_control);
}

TEST(AccessHelpersTest, SecretsCompareInConstantTimeAndTokensAreRandom) {
  EXPECT_TRUE(secret_equals("abc", "abc"));
  EXPECT_FALSE(secret_equals("abd", "abc"));
  EXPECT_FALSE(secret_equals("", ""));  // an empty secret matches nothing
  EXPECT_NE(random_token(), random_token());
  EXPECT_EQ(random_token(24).size(), 48u);
  EXPECT_TRUE(is_loopback_host("127.0.0.1:5000"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("[::1]:80"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("127.evil.example"));
  EXPECT_EQ(redact_target("/ws?token=abc&x=1"), "/ws?token=***&x=1");
}

}  // namespace
}  // namespace tmon::http
