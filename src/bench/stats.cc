#include "bench/stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>

namespace tmon::bench {

Distribution Distribution::of(std::vector<double> values) {
  Distribution d;
  d.count = values.size();
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  const auto rank = [&](double p) {
    const size_t index = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size()))) - 1;
    return values[std::min(index, values.size() - 1)];
  };
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  d.p50 = rank(0.50);
  d.p95 = rank(0.95);
  d.p99 = rank(0.99);
  d.max = values.back();
  return d;
}

nlohmann::json Distribution::to_json() const {
  return {{"count", count}, {"mean", mean}, {"p50", p50}, {"p95", p95}, {"p99", p99}, {"max", max}};
}

ProcessUsage ProcessUsage::now() {
  ProcessUsage usage;
  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  usage.cpu_seconds = static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                      static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  usage.peak_rss_kb = self.ru_maxrss;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) usage.rss_kb = std::stoll(line.substr(6));
  }
  return usage;
}

std::optional<ProcessUsage> ProcessUsage::of(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // Fields after the command name (which may hold spaces, in parentheses):
  // state is field 3, utime 14 and stime 15.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> values;
  for (std::string value; fields >> value;) values.push_back(value);
  if (values.size() < 13) return std::nullopt;
  ProcessUsage usage;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  usage.cpu_seconds = (std::stod(values[11]) + std::stod(values[12])) / ticks;
  std::ifstream status(dir + "/status");
  for (std::string entry; std::getline(status, entry);) {
    if (entry.rfind("VmRSS:", 0) == 0) usage.rss_kb = std::stoll(entry.substr(6));
    if (entry.rfind("VmHWM:", 0) == 0) usage.peak_rss_kb = std::stoll(entry.substr(6));
  }
  return usage;
}

void write_report(const std::string& path, const nlohmann::json& report) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  std::ofstream(path) << report.dump(2) << "\n";
  std::cout << "report: " << path << "\n";
}

}  // namespace tmon::bench
