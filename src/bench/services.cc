#include "bench/services.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/ids.h"
#include "http/blocking_client.h"
#include "schedule/key_pool.h"
#include "store/redis_client.h"

namespace tmon::bench {

using nlohmann::json;

double MockAccounts::capacity_per_second() const {
  std::vector<config::AccountConfig> limits(static_cast<size_t>(accounts));
  for (auto& account : limits) {
    account.name = "a" + std::to_string(&account - limits.data());
    account.qps_limit = qps;
    account.rpm_limit = rpm;
  }
  return schedule::capacity_per_second({}, limits);
}

std::optional<MockProvider> start_mock_provider(const std::filesystem::path& work_dir,
                                                const MockAccounts& mock,
                                                std::vector<config::ApiKeyConfig>& keys,
                                                std::vector<config::AccountConfig>& accounts) {
  std::ostringstream yaml;
  yaml << "accounts:\n";
  for (int a = 1; a <= mock.accounts; ++a) {
    config::AccountConfig account;
    account.name = "acct-" + std::to_string(a);
    account.qps_limit = mock.qps;
    account.rpm_limit = mock.rpm;
    account.tpm_limit = static_cast<int>(mock.tpm);
    accounts.push_back(std::move(account));
    yaml << "  - {name: acct-" << a << ", qps_limit: " << mock.qps << ", rpm_limit: " << mock.rpm
         << ", tpm_limit: " << mock.tpm << "}\n";
  }
  yaml << "api_keys:\n";
  for (int a = 1; a <= mock.accounts; ++a) {
    for (int k = 1; k <= mock.keys_per_account; ++k) {
      config::ApiKeyConfig key;
      key.id = fmt::format("key-{}-{}", a, k);
      key.key = "bench-" + random_hex_id(16);
      key.account = "acct-" + std::to_string(a);
      keys.push_back(key);
      yaml << "  - {id: " << key.id << ", key: " << key.key << ", account: " << key.account
           << "}\n";
    }
  }
  std::filesystem::create_directories(work_dir);
  std::ofstream(work_dir / "api_keys.yaml") << yaml.str();

  const auto log = work_dir / "mock-llm.log";
  std::vector<std::string> args{self_executable(),     "mock-llm",
                                "--config-dir",        work_dir.string(),
                                "--latency-median-ms", std::to_string(mock.latency_median_ms),
                                "--latency-sigma",     std::to_string(mock.latency_sigma),
                                "--error-rate",        std::to_string(mock.error_rate),
                                "--threads",           std::to_string(mock.threads),
                                "--arrival-jitter-ms", std::to_string(mock.arrival_jitter_ms)};
  args.insert(args.end(), mock.extra_args.begin(), mock.extra_args.end());
  auto process = Subprocess::start(args, log.string());
  const auto base_url = process ? process->read_line(std::chrono::seconds(15)) : std::nullopt;
  if (!base_url) {
    std::cerr << "bench: mock-llm did not start (see " << log << ")\n";
    return std::nullopt;
  }
  const auto url = http::Url::parse(*base_url);
  if (!url) {
    std::cerr << "bench: mock-llm printed no URL but: " << *base_url << "\n";
    return std::nullopt;
  }
  return MockProvider{std::move(*process), *base_url,
                      fmt::format("{}://{}:{}/__stats", url->scheme, url->host, url->port)};
}

std::optional<Subprocess> start_broker(const std::string& config_dir, int brokers,
                                       const std::filesystem::path& log, std::string& bootstrap) {
  auto process = Subprocess::start({self_executable(), "broker", "--config-dir", config_dir,
                                    "--brokers", std::to_string(brokers)},
                                   log.string());
  const auto address = process ? process->read_line(std::chrono::seconds(15)) : std::nullopt;
  if (!address || address->empty()) {
    std::cerr << "bench: tmon broker did not start (see " << log << ")\n";
    return std::nullopt;
  }
  bootstrap = *address;
  return process;
}

namespace {

// The process id the Redis server behind `client` reports, or -1.
long redis_process_id(store::RedisClient& client) {
  const auto info = client.command({"INFO", "server"});
  if (!info) return -1;
  const size_t field = info->text.find("process_id:");
  return field == std::string::npos ? -1 : std::atol(info->text.c_str() + field + 11);
}

}  // namespace

std::optional<Subprocess> start_redis(std::string& url) {
  // redis-server cannot bind port 0: a random port below the ephemeral range
  // (port-0 binds never get those), another when the bind fails, and the
  // server that answers counts only if it is our child (a foreign one may
  // hold the port).
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  const int span = std::max(1000, ephemeral_low - 10000);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int port =
        10000 + static_cast<int>(std::hash<std::string>{}(random_hex_id()) % static_cast<size_t>(span));
    auto redis = Subprocess::start({"redis-server", "--port", std::to_string(port), "--bind",
                                    "127.0.0.1", "--save", "", "--appendonly", "no"});
    if (!redis) continue;
    store::RedisClient client(
        *store::RedisAddress::parse("redis://127.0.0.1:" + std::to_string(port)), Millis(200));
    for (int i = 0; i < 50; ++i) {
      if (redis_process_id(client) == redis->pid()) {
        url = "redis://127.0.0.1:" + std::to_string(port) + "/0";
        return redis;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return std::nullopt;
}

HttpReply http_call(const std::string& method, const std::string& url, const std::string& json_body,
                    const std::string& bearer) {
  auto parsed = http::Url::parse(url);
  if (!parsed) return {};
  http::Request request{boost::beast::http::string_to_verb(method), parsed->path, 11};
  if (!bearer.empty()) request.set(boost::beast::http::field::authorization, "Bearer " + bearer);
  if (!json_body.empty()) {
    request.set(boost::beast::http::field::content_type, "application/json");
    request.body() = json_body;
    request.prepare_payload();
  }
  auto response = http::BlockingClient().send(*parsed, std::move(request), Millis(5000));
  if (!response) return {};
  return {static_cast<int>(response->result_int()), response->body()};
}

json fetch_json(const std::string& url) {
  const HttpReply reply = http_call("GET", url);
  json body = json::parse(reply.body, nullptr, false);
  return reply.status == 200 && !body.is_discarded() ? body : json::object();
}

ProviderTally ProviderTally::from_stats(const json& stats) {
  ProviderTally tally;
  if (!stats.is_object() || !stats.contains("accounts")) return tally;
  for (const auto& [name, account] : stats["accounts"].items()) {
    const auto count = [&](const char* field) { return account.value(field, int64_t{0}); };
    tally.requests += count("requests");
    tally.ok += count("ok");
    tally.rate_limited += count("rateLimited");
    tally.max_per_second = std::max(tally.max_per_second, count("maxPerSecond"));
    tally.max_per_minute = std::max(tally.max_per_minute, count("maxPerMinute"));
    tally.accounts[name] = {{"requests", count("requests")},
                            {"ok", count("ok")},
                            {"rateLimited", count("rateLimited")},
                            {"serverErrors", count("serverErrors")},
                            {"maxPerSecond", count("maxPerSecond")},
                            {"maxPerMinute", count("maxPerMinute")},
                            {"tokens", count("tokens")},
                            {"maxTokensPerMinute", count("maxTokensPerMinute")},
                            {"burstLimited", count("burstLimited")},
                            {"tokenLimited", count("tokenLimited")}};
  }
  return tally;
}

}  // namespace tmon::bench
