#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/redis_client.h"
#include "store/result_store.h"

namespace tmon::api {

// Upper bounds (ms) of the LLM latency histogram the per-minute counters
// keep; percentiles are read off it (the bound of the bucket they fall in).
inline constexpr std::array<int64_t, 15> kLatencyBoundsMs{
    100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 8000, 13000, 20000, 30000, 60000};
inline constexpr size_t kLatencyBuckets = kLatencyBoundsMs.size() + 1;  // + over the last

// What one published frame adds to its minute.
struct FrameCounts {
  int64_t calls = 0;                               // LLM results (tasks) of the frame
  int64_t errors = 0;                              // of which not ok
  std::vector<int64_t> latencies_ms;               // each ok call's LLM latency
  std::map<std::string, int64_t> alerts_by_level;  // new alerts (not continuations)
};

// One minute of the pipeline, as counted by the aggregators.
struct MinuteCounts {
  int64_t minute_ms = 0;  // start of the minute, epoch ms
  int64_t calls = 0;
  int64_t errors = 0;
  std::array<int64_t, kLatencyBuckets> latency{};
  std::map<std::string, int64_t> alerts_by_level;
};

// The latency (ms) below which `fraction` of the counted calls fall, as the
// bound of its bucket; 0 with no calls.
int64_t latency_percentile(const std::array<int64_t, kLatencyBuckets>& histogram, double fraction);
size_t latency_bucket(int64_t latency_ms);

// The counts of a frame about to be published (its view and alerts).
FrameCounts frame_counts(const store::FrameWrite& frame);

// Per-minute counters every process reads alike: in Redis
// (tmon:stats:{minute} hashes, kept two hours) when there is one, so the
// API's summary is the whole deployment's whichever process serves it.
class StatsCounters {
 public:
  virtual ~StatsCounters() = default;
  virtual Status add(int64_t now_ms, const FrameCounts& counts) = 0;
  // `minutes` minutes ending with the one holding `now_ms`, oldest first.
  virtual Result<std::vector<MinuteCounts>> read(int64_t now_ms, int minutes) = 0;
};
using StatsCountersPtr = std::shared_ptr<StatsCounters>;

constexpr int kStatsKeptMinutes = 120;
std::string stats_key(int64_t minute_ms);

class RedisStatsCounters : public StatsCounters {
 public:
  explicit RedisStatsCounters(std::shared_ptr<store::RedisClient> client);
  Status add(int64_t now_ms, const FrameCounts& counts) override;
  Result<std::vector<MinuteCounts>> read(int64_t now_ms, int minutes) override;

 private:
  std::shared_ptr<store::RedisClient> client_;
};

class MemoryStatsCounters : public StatsCounters {
 public:
  Status add(int64_t now_ms, const FrameCounts& counts) override;
  Result<std::vector<MinuteCounts>> read(int64_t now_ms, int minutes) override;

 private:
  std::mutex mu_;
  std::map<int64_t, MinuteCounts> minutes_;  // at most kStatsKeptMinutes
};

// A result store that also counts every frame it publishes (once: a replayed
// frame is not published again) into `counters`. Failing to count is logged
// and never fails the publication.
class CountingResultStore : public store::ResultStore {
 public:
  CountingResultStore(store::ResultStorePtr inner, StatsCountersPtr counters, Clock& clock);

  Result<store::ResultApplied> apply(const store::ResultWrite& write) override {
    return inner_->apply(write);
  }
  Result<std::vector<std::string>> frame_results(const std::string& request_id) override {
    return inner_->frame_results(request_id);
  }
  Status put_detection(const std::string& request_id, const std::string& json) override {
    return inner_->put_detection(request_id, json);
  }
  Result<std::optional<std::string>> detection(const std::string& request_id) override {
    return inner_->detection(request_id);
  }
  Result<std::map<std::string, std::string>> active_alerts(const std::string& camera_id) override {
    return inner_->active_alerts(camera_id);
  }
  Result<bool> publish_frame(const store::FrameWrite& frame) override;
  Result<std::optional<std::string>> latest(const std::string& camera_id) override {
    return inner_->latest(camera_id);
  }
  Result<std::optional<std::string>> result(const std::string& task_id) override {
    return inner_->result(task_id);
  }
  Result<std::vector<std::string>> history(const std::string& camera_id, int64_t since_ts,
                                           int limit) override {
    return inner_->history(camera_id, since_ts, limit);
  }
  Result<std::vector<std::string>> alerts(const std::string& camera_id, int limit) override {
    return inner_->alerts(camera_id, limit);
  }
  Result<std::vector<std::string>> high_risk_views(const std::string& camera_id,
                                                   int limit) override {
    return inner_->high_risk_views(camera_id, limit);
  }
  std::string describe() const override { return inner_->describe(); }

 private:
  store::ResultStorePtr inner_;
  StatsCountersPtr counters_;
  Clock& clock_;
};

}  // namespace tmon::api
