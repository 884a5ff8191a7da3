#include "detect/sample_scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "detect/thread_priority.h"
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
    int nice;  // of the thread it ran on
  };
  std::mutex mu;
  std::vector<Run> all;
  std::atomic<int> skipped{0};
  std::atomic<int> analyses_dropped{0};
  std::vector<std::string> skipped_cameras;  // tracking frames given up, in order
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
  static constexpr int kTrackingNice = 3;

  // The scheduler is asleep on the clock (the analysis worker is held in a
  // frame; the tracking worker waits for one).
  void settle_scheduler() {
    ASSERT_TRUE(eventually([&] { return clock_.waiters() >= 2; }));
  }
  // The scheduler and its two workers (one per kind of frame) are asleep on the clock.
  void settle() {
    ASSERT_TRUE(eventually([&] { return clock_.waiters() >= 3; }));
  }
  void release_all() {
    {
      std::lock_guard lock(gate_mu_);
      hold_ = hold_tracking_ = false;
    }
    gate_cv_.notify_all();
  }
  int skipped_of(const std::string& camera) {
    std::lock_guard lock(runs_.mu);
    return static_cast<int>(
        std::count(runs_.skipped_cameras.begin(), runs_.skipped_cameras.end(), camera));
  }
  std::vector<Runs::Run> runs_of(const std::string& camera) {
    std::lock_guard lock(runs_.mu);
    std::vector<Runs::Run> of;
    for (const auto& run : runs_.all) {
      if (run.camera == camera) of.push_back(run);
    }
    return of;
  }

  ManualClock clock_;
  Runs runs_;
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  bool hold_ = false;           // runs block until released
  bool hold_tracking_ = false;  // tracking runs block until released
  SampleScheduler scheduler_{
      clock_, 1, kTrackingNice,
      [this](const std::string& camera, SampleKind kind, int64_t due_ms) {
        {
          std::lock_guard lock(runs_.mu);
          runs_.all.push_back({camera, kind, due_ms, clock_.epoch_ms(), this_thread_nice()});
        }
        std::unique_lock lock(gate_mu_);
        gate_cv_.wait(lock,
                      [&] { return !hold_ && !(hold_tracking_ && kind == SampleKind::kTrack); });
      },
      [this](const std::string& camera, SampleKind kind) {
        if (kind == SampleKind::kTrack) {
          std::lock_guard lock(runs_.mu);
          runs_.skipped_cameras.push_back(camera);
        }
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
  ASSERT_TRUE(eventually([&] { return clock_.waiters() >= 3; }));
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

TEST_F(SampleSchedulerTest, AnAnalysedFrameTakesThePlaceOfATrackingFrameStillWaiting) {
  const int64_t start = clock_.epoch_ms();
  {
    std::lock_guard lock(gate_mu_);
    hold_tracking_ = true;  // the one background thread is held by a's tracking frame
  }
  scheduler_.add("a", 200ms, 1s, 0ns);
  scheduler_.add("b", 200ms, 1s, 0ns);
  scheduler_.start();
  ASSERT_TRUE(eventually([&] { return runs_.count() == 2; }));  // both analysed at 0
  settle();
  clock_.advance(200ms);  // a's tracking frame runs (and is held), b's waits for the thread
  ASSERT_TRUE(eventually([&] { return runs_.count() == 3; }));
  EXPECT_EQ(runs_.at(2).camera, "a");
  EXPECT_EQ(runs_.at(2).kind, SampleKind::kTrack);
  for (int step = 1; step <= 3; ++step) {  // 400, 600, 800 ms: both cameras busy
    clock_.advance(200ms);
    ASSERT_TRUE(eventually([&] { return runs_.skipped == 2 * step; }));
  }
  // At 1 s b's analysed frame is due while its tracking frame still waits:
  // it is analysed at once, on the analysis thread, and the waiting
  // tracking frame is given up (counted). a's analysed frame waits for a's
  // tracking frame in work.
  clock_.advance(200ms);
  ASSERT_TRUE(eventually([&] { return runs_of("b").size() == 2; }));
  const auto b = runs_of("b");
  EXPECT_EQ(b[1].kind, SampleKind::kAnalyze);
  EXPECT_EQ(b[1].due_ms, start + 1000);
  EXPECT_EQ(b[1].ran_ms, start + 1000);
  EXPECT_EQ(skipped_of("b"), 4);  // 400, 600, 800 ms (busy) and the one due at 200 ms
  EXPECT_EQ(skipped_of("a"), 3);
  EXPECT_EQ(runs_of("a").size(), 2u);
  release_all();
  ASSERT_TRUE(eventually([&] { return runs_of("a").size() == 3; }));
  EXPECT_EQ(runs_of("a")[2].kind, SampleKind::kAnalyze);
  EXPECT_EQ(runs_of("a")[2].due_ms, start + 1000);
  EXPECT_EQ(runs_.analyses_dropped, 0);
  for (const auto& run : runs_of("b")) EXPECT_NE(run.kind, SampleKind::kTrack);
}

TEST_F(SampleSchedulerTest, ATrackingFrameStartedPastHalfwayToTheAnalysisIsGivenUp) {
  const int64_t start = clock_.epoch_ms();
  {
    std::lock_guard lock(gate_mu_);
    hold_tracking_ = true;
  }
  scheduler_.add("a", 200ms, 1s, 0ns);
  scheduler_.add("b", 200ms, 1s, 0ns);
  scheduler_.start();
  ASSERT_TRUE(eventually([&] { return runs_.count() == 2; }));
  settle();
  clock_.advance(200ms);  // a's tracking frame held, b's (due 200 ms) waits
  ASSERT_TRUE(eventually([&] { return runs_.count() == 3; }));
  clock_.advance(200ms);  // 400 ms: both busy
  ASSERT_TRUE(eventually([&] { return runs_.skipped == 2; }));
  clock_.advance(300ms);  // 700 ms: past halfway from 200 ms to b's analysis at 1 s
  ASSERT_TRUE(eventually([&] { return runs_.skipped == 4; }));
  release_all();
  // The thread is free, but b's frame due at 200 ms would start at 700 ms: given up.
  ASSERT_TRUE(eventually([&] { return skipped_of("b") == 3; }));
  settle();
  clock_.advance(100ms);  // 800 ms: both track again, in time
  ASSERT_TRUE(eventually([&] { return runs_of("b").size() == 2; }));
  EXPECT_EQ(runs_of("b")[1].kind, SampleKind::kTrack);
  EXPECT_EQ(runs_of("b")[1].due_ms, start + 800);
  EXPECT_EQ(runs_.analyses_dropped, 0);
}

TEST_F(SampleSchedulerTest, TrackingRunsOnLowerPriorityThreadsAndAnalysisDoesNot) {
  const int base = this_thread_nice();
  if (base >= 19) GTEST_SKIP() << "this process already runs at the lowest priority";
  scheduler_.add("cam", 200ms, 1s, 0ns);
  scheduler_.start();
  ASSERT_TRUE(eventually([&] { return runs_.count() == 1; }));
  settle();
  clock_.advance(200ms);
  ASSERT_TRUE(eventually([&] { return runs_.count() == 2; }));
  EXPECT_EQ(runs_.at(0).kind, SampleKind::kAnalyze);
  EXPECT_EQ(runs_.at(0).nice, base);
  EXPECT_EQ(runs_.at(1).kind, SampleKind::kTrack);
  EXPECT_EQ(runs_.at(1).nice, std::min(19, base + kTrackingNice));
  EXPECT_EQ(this_thread_nice(), base);  // the rest of the process keeps its priority
}

TEST(ThreadPriorityTest, LoweringOneThreadLeavesTheOthersAlone) {
  const int base = this_thread_nice();
  if (base >= 19) GTEST_SKIP() << "this process already runs at the lowest priority";
  Result<int> lowered;
  int read_back = 0;
  std::thread([&] {
    lowered = lower_this_thread_priority(2);
    read_back = this_thread_nice();
  }).join();
  ASSERT_TRUE(lowered.has_value()) << lowered.error().message;
  EXPECT_EQ(*lowered, std::min(19, base + 2));
  EXPECT_EQ(read_back, *lowered);
  EXPECT_EQ(this_thread_nice(), base);
  int capped = 0;
  std::thread([&] { capped = lower_this_thread_priority(100).value_or(-100); }).join();
  EXPECT_EQ(capped, 19);
}

}  // namespace
}  // namespace tmon::detect
