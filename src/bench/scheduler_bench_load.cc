#include "bench/scheduler_bench_load.h"

#include <fmt/format.h>

#include "bench/services.h"
#include "common/base64.h"
#include "schedule/rule_assessment.h"

namespace tmon::bench {

using nlohmann::json;

namespace {

// A JPEG header of the given size padded to `bytes`: what token rules read
// (the frame header), at a realistic size on the wire. Not a decodable picture.
std::string fake_jpeg_base64(int width, int height, size_t bytes) {
  std::string b = {'\xFF', '\xD8', '\xFF', '\xE0', 0, 16, 'J', 'F', 'I', 'F',
                   0,      1,      1,      0,      0, 1,  0,   1,   0,   0};
  b += {'\xFF',
        '\xC0',
        0,
        17,
        8,
        static_cast<char>(height >> 8),
        static_cast<char>(height & 0xFF),
        static_cast<char>(width >> 8),
        static_cast<char>(width & 0xFF),
        3};
  b += std::string(9, '\x11');
  if (b.size() < bytes) b += std::string(bytes - b.size(), '\x55');
  return base64_encode(b);
}

double seconds_between(SteadyTime from, SteadyTime to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

TaskFactory::TaskFactory(const SchedulerBenchOptions& options, Clock& clock)
    : o_(options), clock_(clock) {
  if (o_.mixed_crops) {
    // Crops of a 1280x720 camera: a pedestrian, a car, a group, a whole scene.
    images_ = {fake_jpeg_base64(96, 64, 2'000), fake_jpeg_base64(224, 160, 6'000),
               fake_jpeg_base64(640, 480, 30'000), fake_jpeg_base64(1280, 720, 90'000)};
  } else {
    images_ = {fake_jpeg_base64(160, 120, 3'000)};  // a small crop
  }
}

bool TaskFactory::due(double now_s) const {
  return created_ < static_cast<int64_t>(now_s * o_.offered) + 1;
}

messages::AssessmentTask TaskFactory::next() {
  messages::AssessmentTask task;
  task.taskId = "bench-" + std::to_string(created_);
  task.cameraId = "cam-" + std::to_string(created_ % o_.cameras);
  task.requestId = "req-" + std::to_string(created_);
  task.groupId = task.taskId;
  task.captureTs = clock_.epoch_ms();
  task.deadlineTs = task.captureTs + static_cast<int64_t>(o_.max_age * 1000);
  task.imageBase64 = images_[static_cast<size_t>(created_) % images_.size()];
  ++created_;
  return task;
}

size_t TaskFactory::instance_of(const messages::AssessmentTask& task, size_t instances) const {
  return static_cast<size_t>(std::stoll(task.cameraId.substr(4))) % instances;
}

LoadTracker::LoadTracker(const SchedulerBenchOptions& options, Clock& clock)
    : o_(options), clock_(clock), start_(clock.now()) {}

double LoadTracker::elapsed_s() const {
  return seconds_between(start_, clock_.now());
}

void LoadTracker::submit(schedule::Dispatcher& dispatcher, int instance,
                         messages::AssessmentTask task) {
  const double submitted_s = elapsed_s();
  const std::string id = task.taskId;
  const int64_t deadline = task.deadlineTs;
  {
    std::lock_guard lock(mu_);
    outstanding_[instance][id] = task;  // kept for a replay after a restart
  }
  dispatcher.submit(std::move(task), [this, instance, id, deadline,
                                      submitted_s](messages::AssessmentResult result) {
    Sample sample;
    sample.submitted_s = submitted_s;
    sample.finished_s = elapsed_s();
    sample.status = result.status;
    sample.code = result.code;
    sample.model = result.metadata.llmModel;
    sample.end_to_end_ms = static_cast<double>(clock_.epoch_ms() - result.captureTs);
    sample.llm_ms = static_cast<double>(result.metadata.llmLatencyMs);
    sample.queue_wait_ms = static_cast<double>(result.metadata.queueWaitMs);
    sample.scheduler_ms = (sample.finished_s - submitted_s) * 1000.0 - sample.llm_ms;
    sample.tokens = result.metadata.totalTokens;
    sample.within_deadline = result.completedTs <= deadline;
    sample.by_rules = result.source == schedule::kRuleSource;
    std::lock_guard lock(mu_);
    if (outstanding_[instance].erase(id) == 0) return;  // answered after a replay
    samples_.push_back(std::move(sample));
  });
}

std::vector<messages::AssessmentTask> LoadTracker::unanswered(int instance) {
  std::lock_guard lock(mu_);
  std::vector<messages::AssessmentTask> out;
  for (auto& [id, task] : outstanding_[instance]) out.push_back(task);
  outstanding_[instance].clear();
  return out;
}

int64_t LoadTracker::finished() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(samples_.size());
}

void LoadTracker::mark_warmup() {
  finished_at_warmup_ = finished();
}

std::vector<Sample> LoadTracker::samples() const {
  std::lock_guard lock(mu_);
  return samples_;
}

FaultScript::FaultScript(const SchedulerBenchOptions& options, std::string admin_base,
                         const std::vector<config::ApiKeyConfig>& keys, std::string primary_model)
    : o_(options),
      admin_base_(std::move(admin_base)),
      key_id_(keys.empty() ? "" : keys.front().id),
      primary_model_(std::move(primary_model)) {
  for (const auto& key : keys) {
    if (std::find(accounts_.begin(), accounts_.end(), key.account) == accounts_.end()) {
      accounts_.push_back(key.account);
    }
  }
}

void FaultScript::step(double now_s, schedule::Scheduler& scheduler) {
  const bool any = o_.quota_outage > 0 || o_.revoke_for > 0 || !o_.fallback_model.empty();
  if (!any || now_s < o_.fault_at) return;
  if (!started_) {
    started_ = true;
    if (o_.quota_outage > 0) {
      http_call("POST", admin_base_ + "/__admin/accounts/" + accounts_.front() + "/quota",
                json{{"seconds", o_.quota_outage}}.dump());
    }
    if (o_.revoke_for > 0) http_call("POST", admin_base_ + "/__admin/keys/" + key_id_ + "/revoke");
    if (!o_.fallback_model.empty()) {
      // The preferred model is out on every account for the rest of the run.
      for (const auto& account : accounts_) {
        http_call("POST", admin_base_ + "/__admin/accounts/" + account + "/quota",
                  json{{"seconds", o_.duration}, {"model", primary_model_}}.dump());
      }
    }
  }
  if (o_.revoke_for > 0 && !restored_ && now_s >= o_.fault_at + o_.revoke_for) {
    restored_ = true;
    http_call("POST", admin_base_ + "/__admin/keys/" + key_id_ + "/restore");
  }
  if (now_s >= next_look_) {
    next_look_ = now_s + 0.25;
    observe(now_s, scheduler);
  }
}

void FaultScript::observe(double now_s, schedule::Scheduler& scheduler) {
  for (const auto& key : scheduler.keys().snapshot()) {
    if (key.id != key_id_) continue;
    const double fault_end = o_.fault_at + std::max(o_.quota_outage, o_.revoke_for);
    if (now_s < fault_end) ++states_seen_[std::string(schedule::to_string(key.state))];
    if (key.state == schedule::KeyState::kDisabled && !disabled_at_) disabled_at_ = now_s;
    if (restored_ && disabled_at_ && !reenabled_at_ && key.state != schedule::KeyState::kDisabled) {
      reenabled_at_ = now_s;
    }
    if (o_.quota_outage > 0 && now_s >= fault_end) {
      if (successes_at_fault_end_ < 0) successes_at_fault_end_ = key.successes;
      if (!served_again_at_ && key.successes > successes_at_fault_end_) served_again_at_ = now_s;
    }
  }
}

json FaultScript::summary() const {
  json out = json::object();
  if (o_.quota_outage > 0 || o_.revoke_for > 0) {
    out["key"] = key_id_;
    out["statesSeenDuringFault"] = states_seen_;
  }
  if (o_.quota_outage > 0) {
    out["quotaOutageSeconds"] = o_.quota_outage;
    out["servedAgainSecondsAfterOutage"] =
        served_again_at_ ? json(*served_again_at_ - o_.fault_at - o_.quota_outage) : json();
  }
  if (o_.revoke_for > 0) {
    out["revokedForSeconds"] = o_.revoke_for;
    out["probeSeconds"] = o_.probe_seconds;
    out["disabledSecondsAfterRevoke"] = disabled_at_ ? json(*disabled_at_ - o_.fault_at) : json();
    out["reenabledSecondsAfterRestore"] =
        reenabled_at_ ? json(*reenabled_at_ - o_.fault_at - o_.revoke_for) : json();
  }
  return out;
}

SchedulerBenchReport::SchedulerBenchReport(const SchedulerBenchOptions& options, double capacity,
                                           const LoadTracker& load, const FaultScript& faults)
    : SchedulerBenchReport(options, capacity, load.samples(), load.finished_at_warmup(),
                           faults.summary()) {}

SchedulerBenchReport::SchedulerBenchReport(const SchedulerBenchOptions& options, double capacity,
                                           std::vector<Sample> samples, int64_t finished_at_warmup,
                                           json faults)
    : o_(options),
      capacity_(capacity),
      samples_(std::move(samples)),
      finished_at_warmup_(finished_at_warmup) {
  // After a restart, the window is the restarted instances' (from 5 s after
  // it): what a scheduler that found its learned margin in Redis achieves.
  const double window_start =
      std::min(o_.restart_at > 0 ? o_.restart_at + 5 : o_.warmup, o_.duration);
  const double window = std::max(1e-9, o_.duration - window_start);
  int64_t ok_in_window = 0;
  int64_t tokens_in_window = 0;
  int64_t late = 0;
  std::map<std::string, int64_t> outcomes;
  std::map<std::string, int64_t> ok_by_model;
  std::vector<double> e2e, llm_ms, scheduler_ms, queue_wait;
  for (const auto& s : samples_) {
    const bool ok = s.status == messages::ResultStatus::kOk;
    // A task no key could serve in time is answered by rules at its deadline
    // (scheduler.rule_fallback): an answer, but not the provider's, and not
    // within any latency the scheduler adds to a call. Counted apart.
    outcomes[ok ? (s.by_rules ? "ok_by_rules" : "ok") : s.code]++;
    if (!ok || s.by_rules) continue;
    ++ok_by_model[s.model];
    late += !s.within_deadline;
    // Goodput counts successful calls by when they were sent, which is what
    // the provider's limits govern (completions lag by the latency).
    const double sent_s = s.finished_s - s.llm_ms / 1000.0;
    if (sent_s >= window_start && sent_s < o_.duration) {
      ++ok_in_window;
      tokens_in_window += s.tokens;
    }
    e2e.push_back(s.end_to_end_ms);
    llm_ms.push_back(s.llm_ms);
    scheduler_ms.push_back(s.scheduler_ms);
    queue_wait.push_back(s.queue_wait_ms);
  }
  // The capacity that binds: requests (accounts x min(qps, rpm/60)), or with
  // a tokens-per-minute limit the calls per second those tokens pay for at
  // the calls' mean size, when fewer.
  double binding = capacity_;
  std::string binding_limit = "requests";
  std::optional<double> token_bound;
  if (o_.tpm > 0 && ok_in_window > 0 && tokens_in_window > 0) {
    const double mean_tokens =
        static_cast<double>(tokens_in_window) / static_cast<double>(ok_in_window);
    token_bound = static_cast<double>(o_.tpm) * o_.accounts / 60.0 / mean_tokens;
    if (*token_bound < binding) {
      binding = *token_bound;
      binding_limit = "tokens";
    }
  }
  const double goodput = static_cast<double>(ok_in_window) / window;
  // No pacer can promise zero 429s above limit / (1 s + J) (see PERFORMANCE.md).
  const double bound = 1.0 / (1.0 + o_.jitter_ms / 1000.0);
  report_ = json{
      {"benchmark", "scheduler"},
      {"config",
       {{"accounts", o_.accounts},
        {"qpsPerAccount", o_.qps},
        {"rpmPerAccount", o_.rpm},
        {"tpmPerAccount", o_.tpm},
        {"keysPerAccount", o_.keys_per_account},
        {"latencyMedianMs", o_.latency_median_ms},
        {"latencySigma", o_.latency_sigma},
        {"offeredPerSecond", o_.offered},
        {"durationSeconds", o_.duration},
        {"warmupSeconds", o_.warmup},
        {"cameras", o_.cameras},
        {"instances", o_.instances},
        {"maxConcurrent", o_.max_concurrent},
        {"queueSize", o_.queue_size},
        {"maxAgeSeconds", o_.max_age},
        {"windowMarginMs", o_.window_margin_ms},
        {"jitterMs", o_.jitter_ms},
        {"restartAt", o_.restart_at},
        {"mixedCrops", o_.mixed_crops},
        {"fallbackModel", o_.fallback_model}}},
      {"tasks",
       {{"finished", samples_.size()},
        {"byOutcome", outcomes},
        {"okByModel", ok_by_model},
        {"okPastDeadline", late}}},
      {"capacityPerSecond", capacity_},
      {"tokenBoundPerSecond", token_bound ? json(*token_bound) : json()},
      {"bindingLimit", binding_limit},
      {"steadyWindowSeconds", {window_start, o_.duration}},
      {"goodputPerSecond", goodput},
      {"goodputOfCapacity", goodput / binding},
      {"zero429BoundOfCapacity", bound},
      {"latencyMs",
       {{"endToEnd", Distribution::of(e2e).to_json()},
        {"llm", Distribution::of(llm_ms).to_json()},
        {"schedulerAdded", Distribution::of(scheduler_ms).to_json()},
        {"queueWait", Distribution::of(queue_wait).to_json()}}},
      {"faults", std::move(faults)},
  };
}

void SchedulerBenchReport::provider(const json& at_warmup, const json& at_end,
                                    const json& final_stats,
                                    const std::optional<json>& at_restart) {
  const ProviderTally tally = ProviderTally::from_stats(final_stats);
  json provider{{"rateLimited", tally.rate_limited}, {"accounts", tally.accounts}};
  // Each refusal as the provider judged it (which window, when, how big):
  // with the scheduler's "429 ..." log lines, the cause of every 429.
  if (final_stats.contains("refusals")) provider["refusals"] = final_stats["refusals"];
  if (at_restart) {
    provider["rateLimitedAfterRestart"] =
        tally.rate_limited - ProviderTally::from_stats(*at_restart).rate_limited;
  }
  if (o_.tpm > 0) {
    // Tokens the provider counted during the steady window, against what
    // the accounts allow in that time.
    const auto tokens_of = [](const json& stats) {
      int64_t sum = 0;
      if (!stats.contains("accounts")) return sum;
      for (const auto& [name, account] : stats["accounts"].items()) {
        sum += account.value("tokens", int64_t{0});
      }
      return sum;
    };
    const int64_t tokens = tokens_of(at_end) - tokens_of(at_warmup);
    const double minutes = (o_.duration - std::min(o_.warmup, o_.duration)) / 60.0;
    const double allowed = minutes * static_cast<double>(o_.tpm * o_.accounts);
    provider["tokensInWindow"] = tokens;
    provider["tokenCapacityUsed"] = allowed > 0 ? static_cast<double>(tokens) / allowed : 0.0;
  }
  report_["provider"] = provider;
}

void SchedulerBenchReport::process(const ProcessUsage& start, const ProcessUsage& warmup,
                                   const ProcessUsage& end, size_t max_in_flight, Millis margin) {
  const int64_t completed = static_cast<int64_t>(samples_.size()) - finished_at_warmup_;
  const double cpu_steady = end.cpu_seconds - warmup.cpu_seconds;
  report_["maxInFlight"] = max_in_flight;
  report_["windowMarginMsAtEnd"] = margin.count();
  report_["process"] = {
      {"cpuSeconds", end.cpu_seconds - start.cpu_seconds},
      {"cpuSecondsPer1000Tasks",
       completed > 0 ? cpu_steady * 1000.0 / static_cast<double>(completed) : 0.0},
      {"peakRssMb", static_cast<double>(end.peak_rss_kb) / 1024.0}};
}

void SchedulerBenchReport::print(std::ostream& out) const {
  const json& r = report_;
  const auto& latency = r["latencyMs"]["schedulerAdded"];
  const auto& queue_wait = r["latencyMs"]["queueWait"];
  const json provider = r.value("provider", json::object());
  const std::string binding =
      r["bindingLimit"] == "tokens"
          ? fmt::format(
                "tokens per minute bind: {:.2f}/s at this run's tokens per call; "
                "requests alone would allow {:.1f}/s",
                r["tokenBoundPerSecond"].get<double>(), r["capacityPerSecond"].get<double>())
          : fmt::format("{:.1f}/s; zero-429 bound {:.1f}%", r["capacityPerSecond"].get<double>(),
                        100 * r["zero429BoundOfCapacity"].get<double>());
  out << fmt::format(
      "result: goodput {:.2f}/s = {:.1f}% of capacity ({}), 429s from the provider: {}, "
      "outcomes {}\n"
      "        scheduler-added latency (answered by the provider) p50 {:.2f} ms p99 {:.2f} ms, "
      "of which queue wait p50 {:.0f} ms p99 {:.0f} ms; max in flight {}, "
      "window margin at end {} ms, CPU {:.3f} s per 1000 tasks, peak RSS {:.0f} MB\n",
      r["goodputPerSecond"].get<double>(), 100 * r["goodputOfCapacity"].get<double>(), binding,
      provider.value("rateLimited", json(0)).dump(), r["tasks"]["byOutcome"].dump(),
      latency.value("p50", 0.0), latency.value("p99", 0.0), queue_wait.value("p50", 0.0),
      queue_wait.value("p99", 0.0), r.value("maxInFlight", json(0)).dump(),
      r.value("windowMarginMsAtEnd", json(0)).dump(),
      r.contains("process") ? r["process"]["cpuSecondsPer1000Tasks"].get<double>() : 0.0,
      r.contains("process") ? r["process"]["peakRssMb"].get<double>() : 0.0);
  if (provider.empty()) return;
  if (r["provider"].contains("rateLimitedAfterRestart")) {
    out << fmt::format("        429s after the restart: {}\n",
                       r["provider"]["rateLimitedAfterRestart"].dump());
  }
  if (r["provider"].contains("tokenCapacityUsed")) {
    out << fmt::format("        tokens in the steady window: {} = {:.1f}% of the token capacity\n",
                       r["provider"]["tokensInWindow"].dump(),
                       100 * r["provider"]["tokenCapacityUsed"].get<double>());
  }
  if (!o_.fallback_model.empty()) {
    out << fmt::format("        ok by model: {}, ok past their deadline: {}\n",
                       r["tasks"]["okByModel"].dump(), r["tasks"]["okPastDeadline"].dump());
  }
  if (!r["faults"].empty()) out << "        faults: " << r["faults"].dump() << "\n";
  for (const auto& [name, account] : r["provider"]["accounts"].items()) {
    out << fmt::format(
        "        {}: max {} in any second, {} in any minute, {} tokens in any "
        "minute, 429s {}\n",
        name, account.value("maxPerSecond", int64_t{0}), account.value("maxPerMinute", int64_t{0}),
        account.value("maxTokensPerMinute", int64_t{0}), account.value("rateLimited", int64_t{0}));
  }
}

}  // namespace tmon::bench
