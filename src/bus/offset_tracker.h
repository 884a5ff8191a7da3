#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace tmon::bus {

struct PartitionKey {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const PartitionKey&) const = default;
};

struct CommitPoint {
  PartitionKey partition;
  int64_t offset = 0;  // the next offset to consume, as Kafka commits expect
  bool operator==(const CommitPoint&) const = default;
};

// Decides which offsets are safe to commit when work completes out of order.
//
// A partition's messages are received in offset order but may finish in any
// order (LLM calls take different times). Committing offset N tells Kafka that
// everything below N is done, so the safe commit point is the lowest offset
// still in flight, or one past the last received when nothing is in flight.
// That is the "contiguous completed prefix" of DESIGN.md §3: a crash replays
// what was in flight and loses nothing.
//
// Thread-safe: received() and commit bookkeeping run on the poll thread,
// completed() on whichever thread finished the work.
class OffsetTracker {
 public:
  // Starts (or restarts) tracking a partition with no history.
  void assign(const PartitionKey& partition);
  // Forgets a partition; later completions for it are ignored.
  void revoke(const PartitionKey& partition);
  void revoke_all();
  // Whether the partition is tracked (assigned and not revoked since).
  bool assigned(const PartitionKey& partition) const;
  // The last point committed successfully since the partition was assigned;
  // -1: none (or not assigned).
  int64_t committed(const PartitionKey& partition) const;

  // A message was handed to processing. Offsets must increase per partition.
  void received(const PartitionKey& partition, int64_t offset);
  // Processing of a received message finished (its effect is durable).
  void completed(const PartitionKey& partition, int64_t offset);

  // Commit points that moved past what was last committed.
  std::vector<CommitPoint> pending_commits() const;
  // Same, restricted to the given partitions (for commit-on-revoke).
  std::vector<CommitPoint> pending_commits(const std::vector<PartitionKey>& partitions) const;
  // Records that these points were committed successfully.
  void mark_committed(const std::vector<CommitPoint>& points);

  // Messages received but not completed, over all partitions.
  size_t in_flight() const;

 private:
  struct PartitionState {
    std::set<int64_t> in_flight;
    int64_t next_offset = -1;  // one past the last received; -1 before any
    int64_t committed = -1;    // last committed point; -1 before any
    int64_t commit_point() const;
  };

  std::vector<CommitPoint> collect(const std::vector<PartitionKey>* only) const;

  mutable std::mutex mu_;
  std::map<PartitionKey, PartitionState> partitions_;
};

}  // namespace tmon::bus
