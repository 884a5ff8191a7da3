#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace tmon::store {

struct StoreOptions {
  int result_ttl_seconds = 86400;  // how long a taskId is remembered (replay window)
  int latest_ttl_seconds = 3600;   // a camera's latest view expires when it goes quiet
};

// One assessment result's effects, applied together.
struct ResultWrite {
  std::string task_id;
  std::string camera_id;
  int64_t capture_ts = 0;   // orders views: an older frame never replaces a newer one
  std::string result_json;  // stored under the taskId
  std::string view_json;    // the camera's latest view after this result
};

// Where results live for the API: Redis in deployments, in-process memory
// when Redis is unreachable in the one-command demo.
//
// apply() is the exactly-once point of the pipeline: results arrive at least
// once (Kafka replays after a crash), and apply() performs a taskId's effects
// only the first time, atomically. Implementations are thread-safe.
class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // Stores the result under its taskId, makes the view the camera's latest
  // unless a newer frame's view is there, and notifies subscribers of channel
  // camera:{id}. Returns false, changing nothing, when the taskId was applied
  // before. kUnavailable when the store cannot be reached: retry later.
  virtual Result<bool> apply(const ResultWrite& write) = 0;

  // The camera's latest view (JSON), if any.
  virtual Result<std::optional<std::string>> latest(const std::string& camera_id) = 0;
  // The stored result of a task (JSON), if any.
  virtual Result<std::optional<std::string>> result(const std::string& task_id) = 0;

  // "redis host:port/db" or "in-process": for logs and health.
  virtual std::string describe() const = 0;
};

using ResultStorePtr = std::shared_ptr<ResultStore>;

// Redis key names, shared by every process that reads or writes them.
std::string latest_key(const std::string& camera_id);
std::string result_key(const std::string& task_id);
std::string camera_channel(const std::string& camera_id);

}  // namespace tmon::store
