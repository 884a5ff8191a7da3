#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "fleet/registry_camera.h"

namespace tmon::fleet {

// Starts and stops the cameras this instance owns: detection's camera
// manager in a process, a fake in tests.
class CameraRunner {
 public:
  virtual ~CameraRunner() = default;
  // Starts pulling `camera`; an error when detection refuses it (bad URL,
  // source not allowed, too many cameras).
  virtual Status start_owned(const RegistryCamera& camera) = 0;
  // Stops pulling it (no-op when not running).
  virtual void stop_owned(const std::string& camera_id) = 0;
};

// The cameras of the registry partitions assigned to this instance, and
// which of them run. Fed by Ownership: partitions assigned (with the end
// offset they had then) and revoked, and each record read from an owned
// partition (read from the start at assignment: a camera's value is its
// last record). A partition's cameras start only once it is read up to that
// end offset, so that a camera written three times starts once, with its
// last value; after that each record applies as it arrives.
// Thread-safe (records and rebalances come from one thread; owned() from any).
class Assignment {
 public:
  using StartedListener = std::function<void(const RegistryCamera&)>;
  explicit Assignment(CameraRunner& runner, StartedListener on_started = {});

  // `end_offset`: the partition's high watermark at assignment (0: empty);
  // nullopt: unknown, apply records as they arrive.
  void assign(int32_t partition, std::optional<int64_t> end_offset);
  // Stops the partition's cameras before returning.
  void revoke(int32_t partition);
  void revoke_all();
  // A record of an owned partition; `camera` nullopt: a tombstone. Records of
  // partitions not owned are ignored.
  void apply(int32_t partition, int64_t offset, const std::string& id,
             std::optional<RegistryCamera> camera);

  // The consumer reached the partition's end (a compacted log may end below
  // the offset read at assignment): its cameras start if they had not.
  void reached_end(int32_t partition);

  std::vector<std::string> owned() const;  // running cameras, sorted
  std::vector<int32_t> partitions() const;
  int64_t start_failures() const;

 private:
  struct Partition {
    std::optional<int64_t> end_offset;
    bool caught_up = false;
    std::map<std::string, RegistryCamera> cameras;  // the last value of each id
    std::map<std::string, RegistryCamera> running;  // what runs, with the value it runs
  };
  void start(Partition& partition, const RegistryCamera& camera);
  // Tells the listener about the cameras started meanwhile, outside mu_ (it
  // may be slow: it reads Redis).
  void notify_started();
  void apply_locked(int32_t partition, int64_t offset, const std::string& id,
                    std::optional<RegistryCamera> camera);
  void stop(Partition& partition, const std::string& id);
  void catch_up(Partition& partition);

  CameraRunner& runner_;
  StartedListener on_started_;
  mutable std::mutex mu_;
  std::map<int32_t, Partition> partitions_;
  int64_t start_failures_ = 0;
  std::vector<RegistryCamera> started_;  // not yet told to on_started_
};

}  // namespace tmon::fleet
