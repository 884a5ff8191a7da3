#include "detect/sample_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "eventually.h"

namespace tmon::detect {
namespace {

using namespace std::chrono_literals;
using tmon::testing::eventually;

TEST(CadenceTest, TracksEveryPeriodAndAnalysesOnTheInterval) {
  const SteadyTime t0{std::chrono::hours(1)};
  Cadence cadence(t0, 200ms, 1s);
  std::vector<SampleKind> kinds;
  std::vector<SteadyTime> dues;
  for (int i = 0; i < 11; ++i) {
    dues.push_back(cadence.next_due());
    kinds.push_back(cadence.take(cadence.next_due()));
  }
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(dues[static_cast<size_t>(i)], t0 + i * 200ms) << i;
    EXPECT_EQ(kinds[static_cast<size_t>(i)], i % 5 == 0 ? SampleKind::kAnalyze : SampleKind::kTrack)
        << i;
  }
}

TEST(CadenceTest, ATrackPeriodThatDoesNotDivideTheIntervalDoesNotDelayAnalysis) {
  const SteadyTime t0{std::chrono::hours(1)};
  Cadence cadence(t0, 300ms, 1s);
  std::vector<std::pair<SteadyTime, SampleKind>> ticks;
  for (int i = 0; i < 6; ++i) {
    const SteadyTime due = cadence.next_due();
    ticks.emplace_back(due, cadence.take(due));
  }
  const std::vector<std::pair<SteadyTime, SampleKind>> expected{
      {t0, SampleKind::kAnalyze},          {t0 + 300ms, SampleKind::kTrack},
      {t0 + 600ms, SampleKind::kTrack},    {t0 + 900ms, SampleKind::kTrack},
      {t0 + 1000ms, SampleKind::kAnalyze}, {t0 + 1300ms, SampleKind::kTrack}};
  EXPECT_EQ(ticks, expected);
}

TEST(CadenceTest, WithoutTrackingOnlyAnalysesAreTaken) {
  const SteadyTime t0{std::chrono::hours(1)};
  Cadence cadence(t0, 0ns, 1800ms);
  EXPECT_EQ(cadence.take(t0), SampleKind::kAnalyze);
  EXPECT_EQ(cadence.next_due(), t0 + 1800ms);
  EXPECT_EQ(cadence.take(t0 + 1800ms), SampleKind::kAnalyze);
}

TEST(CadenceTest, AfterAStallItResumesFromNowWithoutABurst) {
  const SteadyTime t0{std::chrono::hours(1)};
  Cadence cadence(t0, 200ms, 1s);
  cadence.take(t0);
  const SteadyTime late = t0 + 5050ms;
  int taken_at_once = 0;
  while (cadence.next_due() <= late) {
    cadence.take(late);
    ++taken_at_once;
  }
  EXPECT_LE(taken_at_once, 2);  // the overdue track and analysis, not 25 frames
  EXPECT_GT(cadence.next_due(), late);
  EXPECT_LE(cadence.next_due(), late + 1s);
}

// Records what the scheduler runs, and when.
struct Runs {
  struct Run {
    std::string camera;
    SampleKind kind;
    int64_t due_ms;
    int64_t ran_ms;
  };
  std::mutex mu;
  std::vector<Run> all;
  std::atomic<int> skipped{0};
  std::atomic<int> analyses_dropped{0};
  size_t count() {
    std::lock_guard lock(mu);
    return all.size();
  }
  Run at(size_t i) {
    std::lock_guard lock(mu);
    return all.at(i);
  }
};

class SampleSchedulerTest : public ::testing::Test {
 protected:
  // The scheduler is asleep on the clock (its worker is held in a frame).
  void settle_scheduler() {
    ASSERT_TRUE(eventually([&] { return clock_.waiters() >= 1; }));
  }
  // The scheduler and its one worker are asleep on the clock.
  void settle() {
    ASSERT_TRUE(eventually([&] { return clock_.waiters() >= 2; }));
  }

  ManualClock clock_;
  Runs runs_;
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  bool hold_ = false;  // the next run blocks until released
  SampleScheduler scheduler_{
      clock_, 1,
      [this](const std::string& camera, SampleKind kind, int64_t due_ms) {
        {
          std::lock_guard lock(runs_.mu);
          runs_.all.push_back({camera, kind, due_ms, clock_.epoch_ms()});
        }
        std::unique_lock lock(gate_mu_);
        gate_cv_.wait(lock, [&] { return !hold_; });
      },
      [this](const std::string&, SampleKind kind) {
        ++(kind == SampleKind::kTrack ? runs_.skipped : runs_.analyses_dropped);
      }};
};

TEST_F(SampleSchedulerTest, RunsEachFrameAtItsDueTimeNotBefore) {
  const int64_t start = clock_.epoch_ms();
  scheduler_.add("cam", 200ms, 1s, 0ns);
  scheduler_.start();
  ASSERT_TRUE(eventually([&] { return runs_.count() == 1; }));
  for (int step = 1; step <= 5; ++step) {
    settle();
    clock_.advance(199ms);  // just before the boundary...
    settle();
    clock_.advance(1ms);  // ...and on it
    ASSERT_TRUE(eventually([&] { return runs_.count() == static_cast<size_t>(step + 1); }));
  }
  for (size_t i = 0; i < runs_.count(); ++i) {
    const auto run = runs_.at(i);
    EXPECT_EQ(run.due_ms, start + 200 * static_cast<int64_t>(i)) << i;
    EXPECT_EQ(run.ran_ms, run.due_ms) << i;  // not at 199 ms: at 200
    EXPECT_EQ(run.kind, i % 5 == 0 ? SampleKind::kAnalyze : SampleKind::kTrack) << i;
  }
  EXPECT_EQ(runs_.skipped, 0);
}

TEST_F(SampleSchedulerTest, ABusyCameraGivesUpTrackingButNotAnalysis) {
  const int64_t start = clock_.epoch_ms();
  {
    std::lock_guard lock(gate_mu_);
    hold_ = true;  // the first frame takes "forever"
  }
  scheduler_.add("cam", 200ms, 1s, 0ns);
  scheduler_.start();
  ASSERT_TRUE(eventually([&] { return runs_.count() == 1; }));
  for (int step = 1; step <= 5; ++step) {
    clock_.advance(200ms);
    // Tracking frames at 200..800 ms are given up while the first runs.
    if (step < 5) {
      ASSERT_TRUE(eventually([&] { return runs_.skipped == step; }));
    }
  }
  {
    std::lock_guard lock(gate_mu_);
    hold_ = false;
  }
  gate_cv_.notify_all();
  // The analysis due at 1 s waited for the camera, and ran as soon as it was free.
  ASSERT_TRUE(eventually([&] { return runs_.count() == 2; }));
  EXPECT_EQ(runs_.at(1).kind, SampleKind::kAnalyze);
  EXPECT_EQ(runs_.at(1).due_ms, start + 1000);
  EXPECT_EQ(runs_.skipped, 4);
  EXPECT_EQ(runs_.analyses_dropped, 0);
}

TEST_F(SampleSchedulerTest, WhenAnalysisItselfCannotKeepUpTheNewestWaits) {
  const int64_t start = clock_.epoch_ms();
  {
    std::lock_guard lock(gate_mu_);
    hold_ = true;
  }
  scheduler_.add("cam", 0ns, 1s, 0ns);  // analyses only
  scheduler_.start();
  ASSERT_TRUE(eventually([&] { return runs_.count() == 1; }));
  clock_.advance(1s);  // due at 1 s: waits
  settle_scheduler();
  clock_.advance(1s);  // due at 2 s: replaces the one due at 1 s
  ASSERT_TRUE(eventually([&] { return runs_.analyses_dropped == 1; }));
  {
    std::lock_guard lock(gate_mu_);
    hold_ = false;
  }
  gate_cv_.notify_all();
  ASSERT_TRUE(eventually([&] { return runs_.count() == 2; }));
  EXPECT_EQ(runs_.at(1).due_ms, start + 2000);
}

TEST_F(SampleSchedulerTest, RemoveWaitsForTheFrameInWork) {
  {
    std::lock_guard lock(gate_mu_);
    hold_ = true;
  }
  scheduler_.add("cam", 200ms, 1s, 0ns);
  scheduler_.start();
  ASSERT_TRUE(eventually([&] { return runs_.count() == 1; }));
  std::atomic<bool> removed{false};
  std::thread remover([&] {
    scheduler_.remove("cam");
    removed = true;
  });
  // remove() is blocked on the frame: it returns only once the frame does.
  ASSERT_TRUE(eventually([&] { return clock_.waiters() >= 2; }));
  EXPECT_FALSE(removed);
  {
    std::lock_guard lock(gate_mu_);
    hold_ = false;
  }
  gate_cv_.notify_all();
  remover.join();
  EXPECT_TRUE(removed);
  clock_.advance(2s);
  // Nothing more runs for it: a second camera's frame proves time was seen.
  scheduler_.add("witness", 0ns, 1s, 0ns);
  ASSERT_TRUE(eventually([&] { return runs_.count() == 2; }));
  EXPECT_EQ(runs_.at(1).camera, "witness");
}

}  // namespace
}  // namespace tmon::detect
