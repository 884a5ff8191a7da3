#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "fleet/metrics.h"
#include "fleet/registry_map.h"

namespace tmon::fleet {

// The whole registry, followed: a consumer in no group (every partition
// assigned by hand, from the beginning), so any number of processes read it
// without taking partitions from the detect group or from each other. Keeps
// the current cameras (at most fleet.max_cameras) and notifies on changes.
// Thread-safe; listeners run on the follower's thread.
class RegistryFollower {
 public:
  using Listener = std::function<void(const std::string& id, RegistryChange change)>;

  static Result<std::unique_ptr<RegistryFollower>> start(const config::KafkaConfig& kafka,
                                                         const std::string& client_id,
                                                         FleetMetrics* metrics = nullptr);
  ~RegistryFollower();
  RegistryFollower(const RegistryFollower&) = delete;
  RegistryFollower& operator=(const RegistryFollower&) = delete;
  void stop();  // idempotent

  // Caught up: every partition read up to the end it had at start().
  bool wait_caught_up(Millis timeout);
  // Read past `offset` of `partition` (a write of ours is in the map).
  bool wait_for(int32_t partition, int64_t offset, Millis timeout);

  std::optional<RegistryCamera> find(const std::string& id) const;
  std::vector<RegistryCamera> cameras() const;
  bool ever_seen(const std::string& id) const;
  // A copy of the map, for decisions over all of it (seeding).
  RegistryMap snapshot() const;
  void set_listener(Listener listener);

 private:
  RegistryFollower(size_t max_cameras, FleetMetrics* metrics);
  void run();
  void handle(RdKafka::Message& message);

  FleetMetrics* metrics_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  mutable std::mutex mu_;
  std::condition_variable progressed_;
  RegistryMap map_;
  std::map<int32_t, int64_t> end_at_start_;  // partition -> high watermark at start
  std::map<int32_t, int64_t> next_offset_;   // partition -> next offset to read
  Listener listener_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Writes cameras to the registry, keyed by id, and answers once the broker
// acknowledged the write (bounded by `timeout`). Thread-safe.
class RegistryWriter {
 public:
  struct Written {
    int32_t partition = -1;
    int64_t offset = -1;
  };
  static Result<std::unique_ptr<RegistryWriter>> create(const config::KafkaConfig& kafka,
                                                        const std::string& client_id,
                                                        Millis timeout);
  ~RegistryWriter();

  Result<Written> put(const RegistryCamera& camera);
  // A tombstone: the camera is removed everywhere.
  Result<Written> remove(const std::string& camera_id);

 private:
  RegistryWriter() = default;
  Result<Written> write(const std::string& key, const std::string* value);

  std::unique_ptr<RdKafka::Producer> producer_;
  std::string topic_;
  Millis timeout_{5'000};
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace tmon::fleet
