// Dispatcher: frame-level batching (llm.batch_groups). One call carries the
// waiting tasks of one frame; its reply is split back by groupIndex and every
// task still gets its own result.
#include <boost/asio/post.hpp>

#include "common/logging.h"
#include "llm/prompt.h"
#include "llm/response_parser.h"
#include "schedule/batch_reply.h"
#include "schedule/dispatcher.h"
#include "schedule/task_result.h"

namespace tmon::schedule {
namespace asio = boost::asio;
using messages::ResultStatus;

void Dispatcher::widen_for_batch(LeaseRequest& request, const std::vector<uint64_t>& mates) const {
  for (const uint64_t sequence : mates) {
    const PendingTask* mate = queue_.find(sequence);
    if (!mate) continue;
    // Every task lists the same models (llm.model, then the fallbacks).
    for (size_t i = 0; i < request.models.size() && i < mate->models.size(); ++i) {
      request.models[i].prompt_tokens += mate->models[i].prompt_tokens;
    }
    request.max_tokens += mate->request.max_tokens;
  }
  request.max_tokens =
      static_cast<int>(std::min<int64_t>(request.max_tokens, llm::kMaxBatchReplyTokens));
}

void Dispatcher::requeue_alone(PendingTask pending) {
  pending.solo = true;
  ++queued_;
  queued_bytes_ += pending.bytes;
  enqueue(std::move(pending));
}

asio::awaitable<void> Dispatcher::call_batch(std::vector<PendingTask> batch, Lease lease,
                                             InFlightSlot slot) {
  const int64_t sent_ms = clock_.epoch_ms();
  int64_t deadline = batch.front().task.deadlineTs;
  std::vector<llm::BatchGroup> groups;
  for (auto& pending : batch) {
    if (pending.first_send_ms < 0) pending.first_send_ms = sent_ms;
    ++pending.attempts;
    pending.request.model = lease.model;
    deadline = std::min(deadline, pending.task.deadlineTs);
    groups.push_back({&pending.task, pending.request.image_base64, pending.request.image_url});
  }
  llm::ChatRequest request = llm::build_batch_request(groups, llm_config_);
  if (lease.model != request.model) {
    metrics_.fallback_calls.Add({{"model", lease.model}}).Increment();
  }
  request.model = lease.model;
  metrics_.batch_calls.Increment();
  metrics_.batch_groups.Increment(static_cast<double>(batch.size()));
  // The earliest deadline of the batch bounds the call: a reply after it
  // would come too late for that task.
  const SentCall sent = co_await send_on_lease(std::move(request), lease, deadline, sent_ms);
  finish_batch(batch, lease, sent.reply, sent.latency);
  (void)slot;
}

void Dispatcher::finish_batch(std::vector<PendingTask>& batch, const Lease& lease,
                              const llm::CallResult& reply, Millis latency) {
  if (!reply) {
    // The call failed as a whole: each task decides as if it had failed alone
    // (retry on another key, rules, or an error), the call counted once.
    for (size_t i = 0; i < batch.size(); ++i) {
      finish_result(batch[i], lease, reply, latency, i == 0);
    }
    return;
  }
  auto parsed = llm::parse_risk_assessment(reply->content, kUnnamedGroup);
  if (!parsed) {
    metrics_.record_call(lease.key_id, lease.account, "bad_response", latency);
    metrics_.batch_fallbacks.Add({{"reason", "unreadable"}})
        .Increment(static_cast<double>(batch.size()));
    get_logger("schedule")
        ->debug("batch of {} on key_id={}: reply unreadable ({}); asking each group alone",
                batch.size(), lease.key_id, parsed.error().message);
    for (auto& pending : batch) requeue_alone(std::move(pending));
    return;
  }
  metrics_.record_call(lease.key_id, lease.account, kCallSuccess, latency);
  std::vector<int> indices;
  for (const auto& pending : batch) indices.push_back(pending.task.groupIndex);
  auto split = split_batch_reply(*parsed, indices);
  const auto n = static_cast<int>(batch.size());
  const int64_t now = clock_.epoch_ms();
  for (size_t i = 0; i < batch.size(); ++i) {
    PendingTask& pending = batch[i];
    if (!split[i]) {
      metrics_.batch_fallbacks.Add({{"reason", "missing_group"}}).Increment();
      requeue_alone(std::move(pending));
      continue;
    }
    auto result = result_for(pending.task, ResultStatus::kOk, now);
    result.source = "llm";
    for (auto& risk : split[i]->results) risk.source = "llm";
    result.riskAssessment = std::move(*split[i]);
    // The call's usage, shared evenly: what each group cost.
    result.metadata.promptTokens = reply->usage.prompt_tokens / n;
    result.metadata.completionTokens = reply->usage.completion_tokens / n;
    result.metadata.totalTokens = reply->usage.total_tokens / n;
    result.metadata.llmLatencyMs = latency.count();
    result.metadata.apiKeyId = lease.key_id;
    complete(pending, std::move(result));
  }
}

}  // namespace tmon::schedule
