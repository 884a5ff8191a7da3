#include "schedule/dispatcher.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>

#include "common/logging.h"
#include "llm/prompt.h"
#include "llm/token_estimate.h"
#include "schedule/rule_assessment.h"
#include "schedule/task_result.h"

namespace tmon::schedule {
namespace asio = boost::asio;
using messages::ResultStatus;

namespace {

// The loop also wakes this often when nothing happens, to notice deadlines
// and permits it was not told about (another instance freed an account).
constexpr Millis kIdleWake{250};
// How often the loop looks for due probes and resizes the warm pool.
constexpr Millis kUpkeepEvery{1000};
// How long stop() waits for the loop to notice.
constexpr Millis kLoopExitWait{1000};

// The models a task may use, with its prompt's tokens under each one's rule.
std::vector<ModelChoice> model_choices(const llm::ChatRequest& request,
                                       const KeyPoolSettings& settings) {
  std::vector<std::string> models{request.model};
  for (const auto& model : settings.fallback_models) {
    if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
  }
  std::vector<ModelChoice> choices;
  for (const auto& model : models) {
    const auto rule = settings.token_rules.find(model);
    choices.push_back(
        {model, llm::prompt_tokens(request, rule == settings.token_rules.end() ? llm::TokenRule{}
                                                                               : rule->second)});
  }
  return choices;
}

}  // namespace

Dispatcher::InFlightSlot::InFlightSlot(std::shared_ptr<SlotBoard> board)
    : board_(std::move(board)) {
  ++board_->in_flight;
}

Dispatcher::InFlightSlot::~InFlightSlot() {
  if (!board_) return;  // moved from
  {
    std::lock_guard lock(board_->mu);
    --board_->in_flight;
    // Under the lock the dispatcher cannot go away while we post to it; the
    // wake-up itself checks again, since it may run after the dispatcher.
    if (Dispatcher* owner = board_->owner) {
      owner->post_while_alive([](Dispatcher& self) { self.notify(); });
    }
  }
  board_->cv.notify_all();
}

Dispatcher::Dispatcher(DispatcherOptions options, asio::io_context& io, KeyPool& keys,
                       llm::LlmClient& llm, config::LlmConfig llm_config, Clock& clock,
                       SchedulerMetrics& metrics)
    : options_(std::move(options)),
      keys_(keys),
      llm_(llm),
      clock_(clock),
      metrics_(metrics),
      retry_(options_.retry_max_attempts),
      jitter_(options_.seed),
      strand_(asio::make_strand(io)),
      wake_(clock, strand_),
      llm_config_(std::move(llm_config)) {
  board_->owner = this;
}

Dispatcher::~Dispatcher() {
  stop(Millis(0));
  key_thread_.join();
  std::lock_guard lock(board_->mu);
  board_->owner = nullptr;
}

void Dispatcher::start() {
  looping_ = true;
  asio::co_spawn(strand_, loop(), asio::detached);
}

void Dispatcher::set_llm_config(config::LlmConfig llm_config) {
  asio::post(strand_, [this, llm_config = std::move(llm_config)]() mutable {
    llm_config_ = std::move(llm_config);
  });
}

void Dispatcher::submit(messages::AssessmentTask task, Completion on_done) {
  if (!accepting_) return;  // stopping: the task stays uncommitted and is replayed
  ++queued_;
  const size_t bytes = task.imageBase64.size() + 512;  // the prompt's share, roughly
  queued_bytes_ += bytes;
  metrics_.submitted.Increment();
  asio::post(strand_,
             [this, bytes, task = std::move(task), on_done = std::move(on_done)]() mutable {
               const int64_t now = clock_.epoch_ms();
               // Tasks in the original format carry no capture time or deadline: count from
               // arrival.
               if (task.captureTs <= 0) task.captureTs = now;
               if (task.deadlineTs <= 0) task.deadlineTs = now + options_.default_max_age.count();
               PendingTask pending;
               // The image moves into the request: the task keeps none (one copy per task).
               std::string image = std::move(task.imageBase64);
               task.imageBase64.clear();
               pending.request = llm::build_chat_request(task, llm_config_);
               pending.request.image_base64 = std::move(image);
               pending.models = model_choices(pending.request, keys_.settings());
               pending.task = std::move(task);
               pending.on_done = std::move(on_done);
               pending.submitted_ms = now;
               pending.bytes = bytes;
               enqueue(std::move(pending));
             });
}

void Dispatcher::post_while_alive(std::function<void(Dispatcher&)> work) {
  // stop() may return (and the dispatcher be destroyed) before the strand
  // runs this: the board says whether it is still there, under its lock.
  asio::post(strand_, [board = board_, work = std::move(work)] {
    std::lock_guard lock(board->mu);
    if (board->owner) work(*board->owner);
  });
}

void Dispatcher::dequeued(const PendingTask& pending) {
  --queued_;
  queued_bytes_ -= pending.bytes;
}

void Dispatcher::enqueue(PendingTask pending) {
  if (auto superseded = queue_.push(std::move(pending))) {
    dequeued(*superseded);
    complete(*superseded,
             error_result(superseded->task, ResultStatus::kRejected, "superseded",
                          "a newer frame of this camera group replaced the task while it waited",
                          clock_.epoch_ms()));
  }
  notify();
}

void Dispatcher::notify() {
  wake_pending_ = true;
  wake_.cancel();
}

void Dispatcher::complete(PendingTask& pending, messages::AssessmentResult result) {
  auto& m = result.metadata;
  m.attempts = pending.attempts;
  m.llmModel = result.source == kRuleSource ? kRuleSource : pending.request.model;
  m.schedulerInstance = options_.instance_id;
  m.queueWaitMs = (pending.first_send_ms < 0 ? clock_.epoch_ms() : pending.first_send_ms) -
                  pending.submitted_ms;
  metrics_.record_result(result.status, result.code);
  pending.on_done(std::move(result));
}

bool Dispatcher::answer_by_rules(PendingTask& pending, const char* reason) {
  if (!options_.rule_fallback) return false;
  auto result = result_for(pending.task, ResultStatus::kOk, clock_.epoch_ms());
  result.riskAssessment = rule_assessment(pending.task);
  result.source = kRuleSource;
  metrics_.rule_assessments.Add({{"reason", reason}}).Increment();
  get_logger("schedule")
      ->debug("task={} answered by rules ({}): no key could serve it in time", pending.task.taskId,
              reason);
  complete(pending, std::move(result));
  return true;
}

void Dispatcher::expire_overdue() {
  const int64_t now = clock_.epoch_ms();
  for (auto& pending : queue_.take_expired(now)) {
    dequeued(pending);
    if (answer_by_rules(pending, "deadline")) continue;
    complete(pending,
             error_result(pending.task, ResultStatus::kExpired, "deadline_exceeded",
                          pending.retry() ? "deadline passed before a retry: " + pending.last_error
                                          : "deadline passed while waiting for a key",
                          now));
  }
}

asio::awaitable<void> Dispatcher::sleep_until(SteadyTime when) {
  if (wake_pending_) {
    wake_pending_ = false;
    co_return;
  }
  wake_.expires_at(std::min(when, clock_.now() + kIdleWake));
  ++sleeps_;
  co_await wake_.wait();
  wake_pending_ = false;
}

bool Dispatcher::costs_more_than_charged(const PendingTask& pending, const std::string& model,
                                         const std::vector<ModelChoice>& sized_for) {
  const auto prompt_tokens = [&model](const std::vector<ModelChoice>& choices) {
    for (const auto& choice : choices) {
      if (choice.model == model) return choice.prompt_tokens;
    }
    return int64_t{0};
  };
  return prompt_tokens(pending.models) > prompt_tokens(sized_for);
}

// KeyPool calls may block on a shared (Redis) limiter, so they run on the key
// thread, never on the strand that runs the sockets. (Member coroutines, not
// capturing lambdas: GCC 12 mis-destroys coroutine lambda captures.)
asio::awaitable<LeaseResult> Dispatcher::lease_key(LeaseRequest request) {
  co_return co_await asio::co_spawn(key_thread_, lease_on_key_thread(std::move(request)),
                                    asio::use_awaitable);
}

asio::awaitable<LeaseResult> Dispatcher::lease_on_key_thread(LeaseRequest request) {
  co_return keys_.lease(request);
}

asio::awaitable<FinishEffect> Dispatcher::finish_lease(Lease lease, CallOutcome outcome) {
  co_return co_await asio::co_spawn(
      key_thread_, finish_on_key_thread(std::move(lease), std::move(outcome)), asio::use_awaitable);
}

asio::awaitable<FinishEffect> Dispatcher::finish_on_key_thread(Lease lease, CallOutcome outcome) {
  if (outcome.cancelled) {
    keys_.cancel(lease);
    co_return FinishEffect{};
  }
  co_return keys_.finish(lease, outcome);
}

asio::awaitable<Dispatcher::Upkeep> Dispatcher::upkeep() {
  co_return co_await asio::co_spawn(key_thread_, upkeep_on_key_thread(), asio::use_awaitable);
}

asio::awaitable<Dispatcher::Upkeep> Dispatcher::upkeep_on_key_thread() {
  Upkeep out;
  out.probe = keys_.probe_due();
  out.next_probe = keys_.next_probe_at();
  out.expected_concurrency = keys_.expected_concurrency();
  out.margin = keys_.margin();
  co_return out;
}

// Once a second: probes that fell due, the warm pool's size, the margin gauge.
asio::awaitable<void> Dispatcher::maintain(SteadyTime now, SteadyTime& wake_at) {
  const bool probe_due = next_probe_ && *next_probe_ <= now;
  if (now < next_upkeep_ && !probe_due) co_return;
  next_upkeep_ = now + kUpkeepEvery;
  Upkeep found = co_await upkeep();
  next_probe_ = found.next_probe;
  metrics_.window_margin.Set(static_cast<double>(found.margin.count()) / 1000.0);
  if (found.probe && board_->in_flight < static_cast<size_t>(options_.max_concurrent_tasks)) {
    asio::co_spawn(strand_, probe(std::move(*found.probe), InFlightSlot(board_)), asio::detached);
  } else if (found.probe) {
    CallOutcome unused;
    unused.cancelled = true;
    co_await finish_lease(std::move(*found.probe), std::move(unused));
  }
  // Connections open before permits are taken: a cold connection after a
  // permit (TCP and TLS handshakes) would put the request on the wire late,
  // where the provider may count it in the next window.
  const auto warm = static_cast<size_t>(std::min<double>(
      options_.max_concurrent_tasks, std::ceil(found.expected_concurrency * 1.25) + 2));
  if (!warmed_) {
    // The first permits wait for the pool: a start-up burst on cold
    // connections would reach the provider late and unevenly.
    warmed_ = true;
    co_await llm_.prewarm(warm);
  } else {
    asio::co_spawn(strand_, llm_.prewarm(warm), asio::detached);
  }
  if (next_probe_) wake_at = std::min(wake_at, std::max(*next_probe_, now + Millis(1)));
}

asio::awaitable<void> Dispatcher::loop() {
  while (!stopping_) {
    expire_overdue();
    SteadyTime wake_at = clock_.now() + kIdleWake;
    co_await maintain(clock_.now(), wake_at);
    const PendingTask* best = queue_.peek_ready(clock_.epoch_ms());
    if (best && board_->in_flight < static_cast<size_t>(options_.max_concurrent_tasks)) {
      LeaseRequest request{best->models, best->request.max_tokens, best->task.deadlineTs,
                           best->tried};
      const int64_t best_deadline = best->task.deadlineTs;
      const uint64_t best_sequence = best->sequence;
      std::vector<uint64_t> mates;
      if (llm_config_.batch_groups && !best->solo && !best->retry()) {
        mates = queue_.frame_mates(
            *best, static_cast<size_t>(std::max(1, llm_config_.max_batch_groups)) - 1,
            clock_.epoch_ms());
        widen_for_batch(request, mates);
      }
      // What the permit's token charge was sized for (per model).
      const std::vector<ModelChoice> sized_for = request.models;
      LeaseResult leased = co_await lease_key(std::move(request));
      if (leased.lease) {
        // The time the head of the queue waited for this permit; attributed
        // to whichever task now gets the key (it waited at least as long
        // unless it arrived meanwhile).
        const Millis permit_wait =
            permit_denied_since_
                ? std::chrono::duration_cast<Millis>(clock_.now() - *permit_denied_since_)
                : Millis(0);
        permit_denied_since_.reset();
        // The queue may have changed while we waited: the task the permit
        // was sized for gets it if it still waits, else the best ready one.
        std::optional<PendingTask> pending = queue_.take(best_sequence);
        if (!pending) pending = queue_.pop_ready(clock_.epoch_ms());
        if (pending && pending->sequence != best_sequence &&
            costs_more_than_charged(*pending, leased.lease->model, sized_for)) {
          // The permit's token charge was sized for a task that is gone (a
          // newer frame superseded it, or it expired): this one's picture
          // costs more. Sent on this permit it could overrun the provider's
          // tokens per minute before the reply's usage corrects the charge
          // (the insufficient_quota 429s of issue 15). Give the permit back
          // (its tokens refunded) and size the next one for this task.
          ++queued_;
          queued_bytes_ += pending->bytes;
          enqueue(std::move(*pending));
          CallOutcome unused;
          unused.cancelled = true;
          co_await finish_lease(std::move(*leased.lease), std::move(unused));
          continue;
        }
        if (pending) {
          metrics_.record_permit_wait(leased.lease->account, permit_wait);
          dequeued(*pending);
          std::vector<PendingTask> batch;
          // The permit was sized for this head and its mates; the queue may
          // have moved meanwhile: whichever of them still wait go along.
          if (!mates.empty() && pending->sequence == best_sequence) {
            for (const uint64_t sequence : mates) {
              if (auto mate = queue_.take(sequence)) {
                dequeued(*mate);
                batch.push_back(std::move(*mate));
              }
            }
          }
          if (batch.empty()) {
            asio::co_spawn(
                strand_, call(std::move(*pending), std::move(*leased.lease), InFlightSlot(board_)),
                asio::detached);
          } else {
            batch.insert(batch.begin(), std::move(*pending));
            asio::co_spawn(
                strand_,
                call_batch(std::move(batch), std::move(*leased.lease), InFlightSlot(board_)),
                asio::detached);
          }
        } else {
          // Nothing left to send (all expired meanwhile): hand the key back.
          CallOutcome unused;
          unused.cancelled = true;
          co_await finish_lease(std::move(*leased.lease), std::move(unused));
        }
        continue;
      }
      // No key can serve the best task before its deadline: every key is
      // disabled, or every account rests past it. Answer it by rules now
      // rather than let it wait to expire (then the next one, at once).
      const bool hopeless =
          leased.no_usable_key ||
          (leased.all_cooling && clock_.epoch_ms() + leased.retry_in.count() >= best_deadline);
      if (hopeless && options_.rule_fallback) {
        if (auto pending = queue_.pop_ready(clock_.epoch_ms())) {
          dequeued(*pending);
          answer_by_rules(*pending, leased.no_usable_key ? "no_usable_key" : "all_cooling");
          continue;
        }
      }
      if (!permit_denied_since_) permit_denied_since_ = clock_.now();
      wake_at = std::min(wake_at, clock_.now() + leased.retry_in);
    } else if (!best) {
      permit_denied_since_.reset();  // nothing waits for a permit
    }
    if (const auto next = queue_.next_event_ms(clock_.epoch_ms())) {
      wake_at =
          std::min(wake_at, clock_.now() + Millis(std::max<int64_t>(0, *next - clock_.epoch_ms())));
    }
    co_await sleep_until(wake_at);
  }
  {
    std::lock_guard lock(board_->mu);
    looping_ = false;
    // Under the lock: stop() sees looping_ false only once this returns, so
    // the dispatcher (and the board it owns) is not destroyed mid-notify
    // (ThreadSanitizer: scripts/tsan.sh).
    board_->cv.notify_all();
  }
}

void Dispatcher::stop(Millis timeout) {
  if (!accepting_.exchange(false)) return;
  post_while_alive([](Dispatcher& self) {
    // Waiting tasks get no result: their offsets stay uncommitted and the
    // next owner of the partition assesses them.
    for (const auto& pending : self.queue_.clear()) self.dequeued(pending);
  });
  std::unique_lock lock(board_->mu);
  const SteadyTime give_up = clock_.now() + timeout;
  while (board_->in_flight > 0) {
    if (clock_.wait_until(lock, board_->cv, give_up)) break;
  }
  if (board_->in_flight > 0) {
    get_logger("schedule")
        ->warn("{} calls still in flight at shutdown; their tasks will be replayed",
               board_->in_flight.load());
  }
  stopping_ = true;
  lock.unlock();
  post_while_alive([](Dispatcher& self) { self.notify(); });
  lock.lock();
  const SteadyTime loop_deadline = clock_.now() + kLoopExitWait;
  while (looping_) {
    if (clock_.wait_until(lock, board_->cv, loop_deadline)) break;
  }
}

DispatcherStats Dispatcher::stats() const {
  DispatcherStats out = metrics_.task_stats();
  out.queued = queued_.load();
  out.queued_bytes = queued_bytes_.load();
  out.in_flight = board_->in_flight.load();
  return out;
}

}  // namespace tmon::schedule
