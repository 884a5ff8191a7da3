#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "config/config.h"

namespace tmon::bench {

// The provider accounts a benchmark's `tmon mock-llm` serves, and the keys
// the pipeline uses against it.
struct MockAccounts {
  int accounts = 3;
  double qps = 10;  // per account
  int rpm = 600;    // per account
  int keys_per_account = 1;
  double latency_median_ms = 1000;
  double latency_sigma = 0.25;
  double error_rate = 0;  // share of calls the mock answers 500
  int threads = 2;
  int64_t tpm = 0;                      // tokens per minute per account; 0: none
  int arrival_jitter_ms = 0;            // the mock judges requests 0..N ms after they arrive
  std::vector<std::string> extra_args;  // more `tmon mock-llm` flags

  // accounts x min(qps, rpm / 60): successful calls per second at best.
  double capacity_per_second() const;
};

// `tmon mock-llm` in its own process, as the real provider would be.
struct MockProvider {
  Subprocess process;
  std::string base_url;   // what llm.base_url points at
  std::string stats_url;  // its /__stats: per-account counts and window maxima
};

// Writes work_dir/api_keys.yaml for the mock (random keys, never printed),
// fills `keys` and `accounts` with the same, and starts the mock. Its stderr
// goes to work_dir/mock-llm.log. nullopt (after saying why on stderr) when
// it does not start.
std::optional<MockProvider> start_mock_provider(const std::filesystem::path& work_dir,
                                                const MockAccounts& mock,
                                                std::vector<config::ApiKeyConfig>& keys,
                                                std::vector<config::AccountConfig>& accounts);

// `tmon broker` (the embedded broker) in its own process, so that the
// messages it keeps in memory are not counted as the pipeline's; topics as
// configured in config_dir. Sets bootstrap to its address.
std::optional<Subprocess> start_broker(const std::string& config_dir, int brokers,
                                       const std::filesystem::path& log, std::string& bootstrap);

// A private redis-server on a loopback port, without persistence, checked to
// be our child (INFO server's process_id); sets url to "redis://127.0.0.1:PORT/0".
std::optional<Subprocess> start_redis(std::string& url);

// GET url and parse the body as JSON; an empty object when that fails.
nlohmann::json fetch_json(const std::string& url);

// One HTTP call with an optional JSON body: the status (0 when no answer)
// and the body as text.
struct HttpReply {
  int status = 0;
  std::string body;
};
// `bearer`: an admin token for calls that change state.
HttpReply http_call(const std::string& method, const std::string& url,
                    const std::string& json_body = "", const std::string& bearer = "");

// What the mock provider counted, summed over its accounts.
struct ProviderTally {
  int64_t requests = 0;
  int64_t ok = 0;
  int64_t rate_limited = 0;
  int64_t max_per_second = 0;  // the busiest account's busiest second
  int64_t max_per_minute = 0;
  nlohmann::json accounts = nlohmann::json::object();  // name -> counts

  static ProviderTally from_stats(const nlohmann::json& stats);
};

}  // namespace tmon::bench
