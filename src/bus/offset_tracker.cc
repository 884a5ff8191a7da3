#include "bus/offset_tracker.h"

#include <algorithm>

namespace tmon::bus {

int64_t OffsetTracker::PartitionState::commit_point() const {
  return in_flight.empty() ? next_offset : *in_flight.begin();
}

void OffsetTracker::assign(const PartitionKey& partition) {
  std::lock_guard lock(mu_);
  partitions_[partition] = PartitionState{};
}

void OffsetTracker::revoke(const PartitionKey& partition) {
  std::lock_guard lock(mu_);
  partitions_.erase(partition);
}

bool OffsetTracker::assigned(const PartitionKey& partition) const {
  std::lock_guard lock(mu_);
  return partitions_.contains(partition);
}

int64_t OffsetTracker::committed(const PartitionKey& partition) const {
  std::lock_guard lock(mu_);
  const auto it = partitions_.find(partition);
  return it == partitions_.end() ? -1 : it->second.committed;
}

void OffsetTracker::revoke_all() {
  std::lock_guard lock(mu_);
  partitions_.clear();
}

void OffsetTracker::received(const PartitionKey& partition, int64_t offset) {
  std::lock_guard lock(mu_);
  auto& state = partitions_[partition];
  state.in_flight.insert(offset);
  state.next_offset = std::max(state.next_offset, offset + 1);
}

void OffsetTracker::completed(const PartitionKey& partition, int64_t offset) {
  std::lock_guard lock(mu_);
  const auto it = partitions_.find(partition);
  // A completion after revoke belongs to a previous assignment; the new owner
  // replays from the committed point, so dropping it loses nothing.
  if (it == partitions_.end()) return;
  it->second.in_flight.erase(offset);
}

std::vector<CommitPoint> OffsetTracker::collect(const std::vector<PartitionKey>* only) const {
  std::lock_guard lock(mu_);
  std::vector<CommitPoint> points;
  for (const auto& [key, state] : partitions_) {
    if (only && std::find(only->begin(), only->end(), key) == only->end()) continue;
    const int64_t point = state.commit_point();
    if (point >= 0 && point > state.committed) points.push_back({key, point});
  }
  return points;
}

std::vector<CommitPoint> OffsetTracker::pending_commits() const {
  return collect(nullptr);
}

std::vector<CommitPoint> OffsetTracker::pending_commits(
    const std::vector<PartitionKey>& partitions) const {
  return collect(&partitions);
}

void OffsetTracker::mark_committed(const std::vector<CommitPoint>& points) {
  std::lock_guard lock(mu_);
  for (const auto& point : points) {
    const auto it = partitions_.find(point.partition);
    if (it != partitions_.end()) {
      it->second.committed = std::max(it->second.committed, point.offset);
    }
  }
}

size_t OffsetTracker::in_flight() const {
  std::lock_guard lock(mu_);
  size_t total = 0;
  for (const auto& [key, state] : partitions_) total += state.in_flight.size();
  return total;
}

}  // namespace tmon::bus
