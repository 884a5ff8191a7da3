#include "schedule/task_queue.h"

#include <algorithm>

namespace tmon::schedule {

TaskQueue::Rank TaskQueue::rank_of(const PendingTask& task) {
  return {task.retry() ? 0 : 1, -task.task.priority, -task.task.captureTs, task.sequence};
}

std::string TaskQueue::group_key(const messages::AssessmentTask& task) {
  // Tasks of the original format may lack a groupId; their index stands in.
  return task.cameraId + '\x1f' +
         (task.groupId.empty() ? "#" + std::to_string(task.groupIndex) : task.groupId);
}

PendingTask TaskQueue::remove(std::map<Rank, PendingTask>::iterator it) {
  PendingTask task = std::move(it->second);
  by_group_.erase(group_key(task.task));
  auto [first, last] = by_deadline_.equal_range(task.task.deadlineTs);
  for (; first != last; ++first) {
    if (first->second == it->first) {
      by_deadline_.erase(first);
      break;
    }
  }
  tasks_.erase(it);
  return task;
}

std::optional<PendingTask> TaskQueue::push(PendingTask task) {
  task.sequence = next_sequence_++;
  std::optional<PendingTask> superseded;
  const std::string group = group_key(task.task);
  if (const auto it = by_group_.find(group); it != by_group_.end()) {
    auto waiting = tasks_.find(it->second);
    if (waiting->second.task.captureTs > task.task.captureTs) {
      // The waiting task is newer (a late retry of an old frame): the
      // newcomer is the stale one.
      return task;
    }
    superseded = remove(waiting);
  }
  const Rank rank = rank_of(task);
  by_group_[group] = rank;
  by_deadline_.emplace(task.task.deadlineTs, rank);
  tasks_.emplace(rank, std::move(task));
  return superseded;
}

const PendingTask* TaskQueue::peek_ready(int64_t now_ms) const {
  for (const auto& [rank, task] : tasks_) {
    if (task.not_before_ms <= now_ms) return &task;
  }
  return nullptr;
}

std::optional<PendingTask> TaskQueue::pop_ready(int64_t now_ms) {
  for (auto it = tasks_.begin(); it != tasks_.end(); ++it) {
    if (it->second.not_before_ms <= now_ms) return remove(it);
  }
  return std::nullopt;
}

std::vector<uint64_t> TaskQueue::frame_mates(const PendingTask& head, size_t max,
                                             int64_t now_ms) const {
  std::vector<uint64_t> mates;
  std::vector<int> indices{head.task.groupIndex};
  // Linear, bounded by queue_size; only with batching on.
  for (const auto& [rank, task] : tasks_) {
    if (mates.size() >= max) break;
    if (task.sequence == head.sequence || task.retry() || task.solo ||
        task.not_before_ms > now_ms || task.task.requestId != head.task.requestId ||
        task.task.cameraId != head.task.cameraId ||
        std::find(indices.begin(), indices.end(), task.task.groupIndex) != indices.end()) {
      continue;
    }
    indices.push_back(task.task.groupIndex);
    mates.push_back(task.sequence);
  }
  return mates;
}

const PendingTask* TaskQueue::find(uint64_t sequence) const {
  for (const auto& [rank, task] : tasks_) {
    if (task.sequence == sequence) return &task;
  }
  return nullptr;
}

std::optional<PendingTask> TaskQueue::take(uint64_t sequence) {
  for (auto it = tasks_.begin(); it != tasks_.end(); ++it) {
    if (it->second.sequence == sequence) return remove(it);
  }
  return std::nullopt;
}

std::vector<PendingTask> TaskQueue::take_expired(int64_t now_ms) {
  std::vector<PendingTask> expired;
  while (!by_deadline_.empty() && by_deadline_.begin()->first <= now_ms) {
    expired.push_back(remove(tasks_.find(by_deadline_.begin()->second)));
  }
  return expired;
}

std::vector<PendingTask> TaskQueue::clear() {
  std::vector<PendingTask> all;
  for (auto& [rank, task] : tasks_) all.push_back(std::move(task));
  tasks_.clear();
  by_group_.clear();
  by_deadline_.clear();
  return all;
}

std::optional<int64_t> TaskQueue::next_event_ms(int64_t now_ms) const {
  std::optional<int64_t> next;
  if (!by_deadline_.empty()) next = by_deadline_.begin()->first;
  // Backoffs end only for retries, which rank first: stop at the first fresh task.
  for (const auto& [rank, task] : tasks_) {
    if (!task.retry()) break;
    if (task.not_before_ms > now_ms)
      next = std::min(next.value_or(task.not_before_ms), task.not_before_ms);
  }
  return next;
}

}  // namespace tmon::schedule
