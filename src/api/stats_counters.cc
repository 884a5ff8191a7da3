#include "api/stats_counters.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/logging.h"
#include "messages/frame_view.h"

namespace tmon::api {
namespace {

constexpr int64_t kMinuteMs = 60'000;

int64_t minute_of(int64_t epoch_ms) {
  return epoch_ms - epoch_ms % kMinuteMs;
}

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Adds to a minute from (field, value) pairs, as a Redis hash holds them;
// fields tmon does not write are ignored.
void add_field(MinuteCounts& minute, const std::string& field, int64_t value) {
  if (field == "calls") {
    minute.calls += value;
  } else if (field == "errors") {
    minute.errors += value;
  } else if (field.rfind("lat:", 0) == 0) {
    const auto bucket = parse_int(std::string_view(field).substr(4));
    if (bucket && *bucket >= 0 && static_cast<size_t>(*bucket) < kLatencyBuckets) {
      minute.latency[static_cast<size_t>(*bucket)] += value;
    }
  } else if (field.rfind("alerts:", 0) == 0) {
    minute.alerts_by_level[field.substr(7)] += value;
  }
}

std::vector<std::pair<std::string, int64_t>> fields_of(const FrameCounts& counts) {
  std::vector<std::pair<std::string, int64_t>> fields;
  if (counts.calls) fields.emplace_back("calls", counts.calls);
  if (counts.errors) fields.emplace_back("errors", counts.errors);
  std::map<size_t, int64_t> buckets;
  for (const int64_t latency : counts.latencies_ms) ++buckets[latency_bucket(latency)];
  for (const auto& [bucket, n] : buckets) fields.emplace_back("lat:" + std::to_string(bucket), n);
  for (const auto& [level, n] : counts.alerts_by_level) fields.emplace_back("alerts:" + level, n);
  return fields;
}

// One round trip: every HINCRBY of a frame and the key's expiry.
constexpr const char* kAddScript = R"lua(
for i = 1, #ARGV - 1, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[#ARGV])
return 1
)lua";

}  // namespace

size_t latency_bucket(int64_t latency_ms) {
  const auto it = std::lower_bound(kLatencyBoundsMs.begin(), kLatencyBoundsMs.end(), latency_ms);
  return static_cast<size_t>(it - kLatencyBoundsMs.begin());
}

int64_t latency_percentile(const std::array<int64_t, kLatencyBuckets>& histogram, double fraction) {
  int64_t total = 0;
  for (const int64_t n : histogram) total += n;
  if (total == 0) return 0;
  const double rank = fraction * static_cast<double>(total);
  int64_t seen = 0;
  for (size_t i = 0; i < kLatencyBuckets; ++i) {
    seen += histogram[i];
    if (static_cast<double>(seen) >= rank && histogram[i] > 0) {
      // Over the last bound: say the last bound ("at least").
      return kLatencyBoundsMs[std::min(i, kLatencyBoundsMs.size() - 1)];
    }
  }
  return kLatencyBoundsMs.back();
}

FrameCounts frame_counts(const store::FrameWrite& frame) {
  FrameCounts counts;
  // The history form: the view without its crops, the cheaper to parse.
  const auto view = nlohmann::json::parse(frame.history_json, nullptr, false);
  if (view.is_object() && view.contains("tasks") && view["tasks"].is_array()) {
    for (const auto& task : view["tasks"]) {
      ++counts.calls;
      if (task.value("status", std::string("ok")) != "ok") {
        ++counts.errors;
        continue;
      }
      const auto metadata = task.value("metadata", nlohmann::json::object());
      const auto latency = metadata.value("llmLatencyMs", nlohmann::json());
      if (latency.is_number()) counts.latencies_ms.push_back(latency.get<int64_t>());
    }
  }
  for (const auto& alert : frame.alerts) {
    if (!alert.replaces.empty()) continue;  // a continuation: counted when raised
    if (auto decoded = messages::decode_alert(alert.alert_json)) {
      ++counts.alerts_by_level[std::string(messages::to_string(decoded->riskLevel))];
    }
  }
  return counts;
}

std::string stats_key(int64_t minute_ms) {
  return "tmon:stats:" + std::to_string(minute_ms);
}

RedisStatsCounters::RedisStatsCounters(std::shared_ptr<store::RedisClient> client)
    : client_(std::move(client)) {}

Status RedisStatsCounters::add(int64_t now_ms, const FrameCounts& counts) {
  const auto fields = fields_of(counts);
  if (fields.empty()) return {};
  std::vector<std::string> command{"EVAL", kAddScript, "1", stats_key(minute_of(now_ms))};
  for (const auto& [field, n] : fields) {
    command.push_back(field);
    command.push_back(std::to_string(n));
  }
  command.push_back(std::to_string(kStatsKeptMinutes * 60));
  auto reply = client_->command(command);
  if (!reply) return tl::unexpected(reply.error());
  return {};
}

Result<std::vector<MinuteCounts>> RedisStatsCounters::read(int64_t now_ms, int minutes) {
  std::vector<MinuteCounts> out;
  const int64_t last = minute_of(now_ms);
  for (int64_t minute = last - (minutes - 1) * kMinuteMs; minute <= last; minute += kMinuteMs) {
    auto reply = client_->command({"HGETALL", stats_key(minute)});
    if (!reply) return tl::unexpected(reply.error());
    MinuteCounts counts;
    counts.minute_ms = minute;
    for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
      const auto value = parse_int(reply->elements[i + 1].text);
      if (!value) continue;  // not ours
      add_field(counts, reply->elements[i].text, *value);
    }
    out.push_back(std::move(counts));
  }
  return out;
}

Status MemoryStatsCounters::add(int64_t now_ms, const FrameCounts& counts) {
  std::lock_guard lock(mu_);
  const int64_t minute = minute_of(now_ms);
  MinuteCounts& slot = minutes_[minute];
  slot.minute_ms = minute;
  for (const auto& [field, n] : fields_of(counts)) add_field(slot, field, n);
  while (minutes_.size() > static_cast<size_t>(kStatsKeptMinutes)) minutes_.erase(minutes_.begin());
  return {};
}

Result<std::vector<MinuteCounts>> MemoryStatsCounters::read(int64_t now_ms, int minutes) {
  std::lock_guard lock(mu_);
  std::vector<MinuteCounts> out;
  const int64_t last = minute_of(now_ms);
  for (int64_t minute = last - (minutes - 1) * kMinuteMs; minute <= last; minute += kMinuteMs) {
    const auto it = minutes_.find(minute);
    MinuteCounts counts = it == minutes_.end() ? MinuteCounts{} : it->second;
    counts.minute_ms = minute;
    out.push_back(std::move(counts));
  }
  return out;
}

CountingResultStore::CountingResultStore(store::ResultStorePtr inner, StatsCountersPtr counters,
                                         Clock& clock)
    : inner_(std::move(inner)), counters_(std::move(counters)), clock_(clock) {}

Result<bool> CountingResultStore::publish_frame(const store::FrameWrite& frame) {
  auto published = inner_->publish_frame(frame);
  if (published && *published) {
    if (auto counted = counters_->add(clock_.epoch_ms(), frame_counts(frame)); !counted) {
      get_logger("api")->warn("stats: could not count a frame of camera={}: {}", frame.camera_id,
                              counted.error().message);
    }
  }
  return published;
}

}  // namespace tmon::api
