#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "llm/chat.h"
#include "messages/messages.h"
#include "schedule/key_pool.h"

namespace tmon::schedule {

// A task waiting for (or between) LLM calls, with what its attempts taught.
struct PendingTask {
  using Completion = std::function<void(messages::AssessmentResult)>;

  // The task without its image: the image lives in `request` only, so a
  // waiting task holds it once.
  messages::AssessmentTask task;
  Completion on_done;
  llm::ChatRequest request;         // built once
  std::vector<ModelChoice> models;  // llm.model first, then fallbacks, with prompt tokens
  size_t bytes = 0;                 // image and prompt: what the queue's byte bound counts
  int64_t submitted_ms = 0;         // when it reached the scheduler
  int64_t first_send_ms = -1;
  int64_t not_before_ms = 0;    // retry backoff: not sent before this
  int attempts = 0;             // calls made
  int transient_failures = 0;   // 5xx, timeouts, connection errors
  std::set<std::string> tried;  // keys this task failed on
  std::string last_error;
  uint64_t sequence = 0;  // arrival order, set by the queue
  // Asked alone from now on: its batch's reply left it out or could not be
  // read (llm.batch_groups).
  bool solo = false;
  bool retry() const { return attempts > 0; }
};

// Tasks waiting for a permit, best first, bounded by deadlines.
//
// Order: retries first (they were admitted earlier and hold an offset back),
// then higher priority, then the newest capture. Newest-first keeps results
// fresh under overload: when capacity falls short, the tasks that expire are
// the stale ones, not the ones a viewer is looking at now.
// Newest wins per camera group: a new task for the same (cameraId, groupId)
// replaces the one waiting, which is handed back to be answered `rejected`.
//
// Pure logic; not thread-safe.
class TaskQueue {
 public:
  // Adds a task; returns the waiting task it supersedes, if any.
  std::optional<PendingTask> push(PendingTask task);
  // Takes the best task that may be sent at now_ms (backoff elapsed).
  std::optional<PendingTask> pop_ready(int64_t now_ms);
  // The best ready task, without taking it.
  const PendingTask* peek_ready(int64_t now_ms) const;
  // Removes and returns tasks whose deadline has passed.
  std::vector<PendingTask> take_expired(int64_t now_ms);
  // Ready tasks of the same frame as `head` (same cameraId and requestId),
  // best first, at most `max`: the ones a batched call may carry with it
  // (llm.batch_groups). Leaves out retries, tasks to be asked alone, and a
  // groupIndex already taken (the model tells groups apart by it). Their
  // sequence numbers; nothing is removed.
  std::vector<uint64_t> frame_mates(const PendingTask& head, size_t max, int64_t now_ms) const;
  // The waiting task with this sequence number; null when gone.
  const PendingTask* find(uint64_t sequence) const;
  // Removes the task with this sequence number, if it still waits.
  std::optional<PendingTask> take(uint64_t sequence);
  // Removes everything (shutdown).
  std::vector<PendingTask> clear();

  // The earliest moment something changes by itself: a backoff ends or a
  // deadline passes. nullopt when empty.
  std::optional<int64_t> next_event_ms(int64_t now_ms) const;
  size_t size() const { return tasks_.size(); }
  bool empty() const { return tasks_.empty(); }

 private:
  // Sort key: smaller is better.
  using Rank = std::tuple<int, int, int64_t, uint64_t>;
  static Rank rank_of(const PendingTask& task);
  static std::string group_key(const messages::AssessmentTask& task);
  // Removes a task and its index entries; returns it.
  PendingTask remove(std::map<Rank, PendingTask>::iterator it);

  std::map<Rank, PendingTask> tasks_;
  std::map<std::string, Rank> by_group_;
  std::multimap<int64_t, Rank> by_deadline_;  // so expiry is not a scan
  uint64_t next_sequence_ = 0;
};

}  // namespace tmon::schedule
