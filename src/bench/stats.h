#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tmon::bench {

// Summary of a sample: count, mean and percentiles (nearest rank).
struct Distribution {
  size_t count = 0;
  double mean = 0;
  double p50 = 0;
  double p95 = 0;
  double p99 = 0;
  double max = 0;

  static Distribution of(std::vector<double> values);
  nlohmann::json to_json() const;
};

// CPU time and peak memory of this process, from getrusage and /proc.
struct ProcessUsage {
  double cpu_seconds = 0;  // user + system
  int64_t peak_rss_kb = 0;
  int64_t rss_kb = 0;

  static ProcessUsage now();
  // Another process (a benchmark's redis-server or mock provider), from
  // /proc/PID/stat and /proc/PID/status; nullopt once it is gone.
  static std::optional<ProcessUsage> of(int pid);
};

// Writes a JSON report (creating its folder) and says where on stdout.
void write_report(const std::string& path, const nlohmann::json& report);

}  // namespace tmon::bench
