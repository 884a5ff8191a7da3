// `tmon keys verify`: one small request per enabled key, and what came back.
#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <iostream>
#include <map>

#include "app/commands.h"
#include "app/config_loading.h"
#include "app/exit_codes.h"
#include "common/clock.h"
#include "common/secrets.h"
#include "http/client.h"
#include "http/io_threads.h"
#include "llm/openai_client.h"

namespace tmon::app {
namespace {

struct KeysFlags {
  std::string config_dir = "config";
  double timeout_seconds = 15;
  bool limits = false;
};

// What an operator needs to know about a key, in one word.
std::string verdict(const llm::CallResult& result) {
  if (result) return "ok";
  switch (result.error().kind) {
    case llm::CallErrorKind::kAuthFailed:
      return "invalid";
    case llm::CallErrorKind::kRateLimited:
      return "rate-limited";
    case llm::CallErrorKind::kQuotaThrottled:
      return "quota-throttled";
    case llm::CallErrorKind::kQuotaExhausted:
      return "quota-exhausted";
    case llm::CallErrorKind::kTimeout:
    case llm::CallErrorKind::kConnection:
      return "unreachable";
    case llm::CallErrorKind::kServerError:
      return "server-error";
    case llm::CallErrorKind::kBadRequest:
    case llm::CallErrorKind::kBadResponse:
      return "error";
  }
  return "error";
}

// The limits each account states for each model (llm.model and the
// fallbacks), asked with one tiny request per account and model, printed as
// an api_keys.yaml snippet. DashScope counts per second as RPM / 60.
void print_stated_limits(const config::Config& config,
                         const std::vector<const config::ApiKeyConfig*>& keys,
                         llm::LlmClient& client, boost::asio::io_context& io,
                         const llm::ChatRequest& ping, Millis timeout) {
  std::vector<std::string> models{config.llm.model};
  for (const auto& model : config.llm.fallback_models) models.push_back(model);
  std::map<std::string, const config::ApiKeyConfig*> by_account;  // one key per account
  for (const auto* key : keys) {
    by_account.try_emplace(key->account.empty() ? key->id : key->account, key);
  }
  std::cout << "\n# Limits the provider states (x-ratelimit-* reply headers), per account and\n"
               "# model; per second is per minute / 60, as DashScope counts. Paste into\n"
               "# api_keys.yaml (keys without an account take theirs on the key itself).\n"
               "accounts:\n";
  // Per second is per minute / 60 (DashScope's RPS rule); unstated: the defaults.
  const auto qps = [](const llm::StatedLimits& l) {
    return l.requests_per_minute > 0
               ? fmt::format("{:g}", static_cast<double>(l.requests_per_minute) / 60.0)
               : std::string("5");
  };
  const auto rpm = [](const llm::StatedLimits& l) {
    return l.requests_per_minute > 0 ? l.requests_per_minute : 300;
  };
  for (const auto& [account, key] : by_account) {
    std::cout << fmt::format("  - name: {}\n", account);
    for (size_t i = 0; i < models.size(); ++i) {
      llm::ChatRequest request = ping;
      request.model = models[i];
      auto reply = boost::asio::co_spawn(io, client.complete(request, key->key, timeout),
                                         boost::asio::use_future)
                       .get();
      const std::string indent = i == 0 ? "    " : "      ";
      if (i == 1) std::cout << "    models:\n";
      if (!reply || !reply->limits) {
        std::cout << fmt::format(
            "{}# {}: no limits stated ({})\n", indent, models[i],
            reply ? "no x-ratelimit headers" : std::string(llm::to_string(reply.error().kind)));
        continue;
      }
      const llm::StatedLimits& l = *reply->limits;
      if (i == 0) {
        // The primary model's limits are the account's own.
        std::cout << fmt::format("    qps_limit: {}\n    rpm_limit: {}\n    tpm_limit: {}\n",
                                 qps(l), rpm(l), l.tokens_per_minute);
      } else {
        std::cout << fmt::format(
            "      - {{model: {}, qps_limit: {}, rpm_limit: {}, tpm_limit: {}}}\n", models[i],
            qps(l), rpm(l), l.tokens_per_minute);
      }
    }
  }
}

int run_keys_verify(const KeysFlags& flags) {
  const auto config = load_config_or_exit(flags.config_dir);
  auto url = http::Url::parse(config->llm.base_url);
  if (!url) {
    std::cerr << "llm.base_url: " << url.error().message << "\n";
    return kExitConfig;
  }
  std::vector<const config::ApiKeyConfig*> keys;
  for (const auto& key : config->api_keys) {
    if (key.enabled && !key.key.empty()) keys.push_back(&key);
  }
  if (keys.empty()) {
    std::cerr << "no enabled API key in " << flags.config_dir
              << "/api_keys.yaml (and DASHSCOPE_API_KEY is unset)\n";
    return kExitFailure;
  }
  http::IoThreads io(1);
  http::Client http;
  llm::OpenAiCompatibleClient client(*url, http, SystemClock::instance());
  // A tiny text-only request: enough to prove the key, cheap to answer.
  llm::ChatRequest ping;
  ping.model = config->llm.model;
  ping.system_prompt = "Reply with OK.";
  ping.user_text = "ping";
  ping.max_tokens = 1;
  ping.temperature = 0;
  const Millis timeout(static_cast<int64_t>(flags.timeout_seconds * 1000));

  std::vector<std::future<llm::CallResult>> calls;
  std::vector<SteadyTime> started;
  for (const auto* key : keys) {
    started.push_back(SystemClock::instance().now());
    calls.push_back(boost::asio::co_spawn(io.context(), client.complete(ping, key->key, timeout),
                                          boost::asio::use_future));
  }
  std::cout << fmt::format("{:<20} {:<10} {:<16} {:>8}  {}\n", "KEY", "SUFFIX", "RESULT", "LATENCY",
                           "DETAIL");
  bool all_ok = true;
  for (size_t i = 0; i < keys.size(); ++i) {
    const llm::CallResult result = calls[i].get();
    const auto latency =
        std::chrono::duration_cast<Millis>(SystemClock::instance().now() - started[i]);
    const std::string word = verdict(result);
    all_ok &= word == "ok";
    const std::string detail =
        result ? "model " + (result->model.empty() ? config->llm.model : result->model)
        : result.error().provider_code.empty()
            ? result.error().message
            : result.error().provider_code + ": " + result.error().message;
    std::cout << fmt::format("{:<20} {:<10} {:<16} {:>6}ms  {}\n", keys[i]->id,
                             mask_secret(keys[i]->key), word, latency.count(), detail);
  }
  // Limits are a help, never a requirement: their absence changes no exit code.
  if (flags.limits) print_stated_limits(*config, keys, client, io.context(), ping, timeout);
  return all_ok ? kExitOk : kExitFailure;
}

}  // namespace

void add_keys_command(CLI::App& app, int& exit_code) {
  static KeysFlags flags;
  CLI::App* keys = app.add_subcommand("keys", "API key tools");
  keys->require_subcommand(1);
  CLI::App* verify = keys->add_subcommand(
      "verify", "Send one small request per enabled key; exit 0 only if every key works");
  add_config_dir_option(*verify, flags.config_dir);
  verify->add_option("--timeout", flags.timeout_seconds, "Seconds to wait for each key")
      ->check(CLI::PositiveNumber);
  verify->add_flag("--limits", flags.limits,
                   "Also print each account's per-model limits as the provider states them, as "
                   "an api_keys.yaml snippet");
  verify->callback([&exit_code] { exit_code = run_keys_verify(flags); });
}

}  // namespace tmon::app
