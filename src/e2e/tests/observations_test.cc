#include "e2e/observations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tmon::e2e {
namespace {

using messages::ResultStatus;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kSettleMs = 2'000;

// A run of camera "probe" whose frames f1, f2, ... were captured a second
// apart from kT0 and injected at their capture time.
class ObservationsTest : public ::testing::Test {
 protected:
  static std::string request(int n) { return "probe-f" + std::to_string(n); }
  static int64_t capture(int n) { return kT0 + 1000 * (n - 1); }

  void inject(int frames) {
    for (int n = 1; n <= frames; ++n) seen_.injected(request(n), capture(n), capture(n));
    seen_.injection_done();
  }
  // Frame n seen on detection-results `after` ms past its capture.
  bool frame(int n, int64_t after = 5, std::string camera = "probe") {
    messages::DetectionResult message;
    message.cameraId = std::move(camera);
    message.requestId = request(n);
    message.captureTs = capture(n);
    return seen_.frame_seen(message, capture(n) + after);
  }
  // Task `id` of frame n, one of `count`, created `after` ms past capture.
  bool task(int n, const std::string& id, int count, int64_t after = 10) {
    messages::AssessmentTask message;
    message.cameraId = "probe";
    message.requestId = request(n);
    message.taskId = id;
    message.captureTs = capture(n);
    message.createdTs = capture(n) + after;
    message.frameTaskCount = count;
    return seen_.task_seen(message, message.createdTs);
  }
  // The result of task `id` of frame n, completed `after` ms past capture.
  bool result(int n, const std::string& id, int64_t after = 1'010,
              ResultStatus status = ResultStatus::kOk, std::string code = "") {
    messages::AssessmentResult message;
    message.cameraId = "probe";
    message.requestId = request(n);
    message.taskId = id;
    message.captureTs = capture(n);
    message.completedTs = capture(n) + after;
    message.status = status;
    message.code = std::move(code);
    message.metadata.llmLatencyMs = 900;
    message.metadata.queueWaitMs = 40;
    return seen_.result_seen(message, message.completedTs);
  }
  // Frame n's view, stored `after` ms past capture.
  bool view(int n, int64_t after = 1'020, bool partial = false) {
    messages::FrameView view;
    view.cameraId = "probe";
    view.requestId = request(n);
    view.captureTs = capture(n);
    view.storedTs = capture(n) + after;
    view.partial = partial;
    return seen_.view_seen(view);
  }
  static std::string reasons(const E2eReport& report) {
    std::string all;
    for (const auto& failure : report.failures) all += failure + "\n";
    return all;
  }
  static const StageLatency& stage(const E2eReport& report, const std::string& name) {
    for (const auto& s : report.latencies) {
      if (s.stage == name) return s;
    }
    static const StageLatency none;
    ADD_FAILURE() << "no stage " << name;
    return none;
  }

  Observations seen_{"probe"};
};

TEST_F(ObservationsTest, EverythingArrivedPassesWithStageLatencies) {
  inject(2);
  ASSERT_TRUE(frame(1, 4));
  ASSERT_TRUE(frame(2, 6));
  ASSERT_TRUE(task(1, "t1", 2, 10));
  ASSERT_TRUE(task(1, "t2", 2, 12));
  ASSERT_TRUE(result(1, "t1", 1'010));
  ASSERT_TRUE(result(1, "t2", 1'500));
  ASSERT_TRUE(view(1, 1'503));
  EXPECT_TRUE(seen_.complete(capture(2) + 6 + kSettleMs, kSettleMs));

  const E2eReport report = seen_.evaluate(false, 30);
  EXPECT_TRUE(report.passed()) << reasons(report);
  EXPECT_EQ(report.frames_injected, 2);
  EXPECT_EQ(report.frames_seen, 2);
  EXPECT_EQ(report.frames_with_tasks, 1);
  EXPECT_EQ(report.tasks, 2);
  EXPECT_EQ(report.results, 2);
  EXPECT_EQ(report.results_by_status.at("ok"), 2);
  EXPECT_EQ(report.views_stored, 1);
  EXPECT_THAT(stage(report, "inject -> on detection-results").samples_ms, ElementsAre(4, 6));
  EXPECT_THAT(stage(report, "capture -> task created").samples_ms, ElementsAre(10, 12));
  EXPECT_THAT(stage(report, "task created -> result").samples_ms, ElementsAre(1'000, 1'488));
  EXPECT_THAT(stage(report, "LLM call").samples_ms, ElementsAre(900, 900));
  // Stored 3 ms after the frame's last result.
  EXPECT_THAT(stage(report, "last result -> stored").samples_ms, ElementsAre(3));
  EXPECT_THAT(stage(report, "capture -> stored (total)").samples_ms, ElementsAre(1'503));
}

TEST_F(ObservationsTest, TaskWithoutResultFailsNamingTheScheduler) {
  inject(1);
  frame(1);
  task(1, "t1", 2);
  task(1, "t2", 2);
  result(1, "t1");
  EXPECT_FALSE(seen_.complete(capture(1) + 60'000, kSettleMs));

  const E2eReport report = seen_.evaluate(true, 8);
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.tasks_without_result, 1);
  ASSERT_EQ(report.failures.size(), 1u) << reasons(report);
  EXPECT_THAT(report.failures[0], HasSubstr("1 of 2 tasks got no result"));
  EXPECT_THAT(report.failures[0], HasSubstr("within 8 s"));
  EXPECT_THAT(report.failures[0], HasSubstr("is the scheduler (`tmon schedule`) running?"));
  // The frame cannot be stored without its results: not the aggregator's fault.
  EXPECT_EQ(report.views_missing, 0);
}

TEST_F(ObservationsTest, TaskAnnouncedButNeverSeenFails) {
  inject(1);
  frame(1);
  task(1, "t1", 2);
  result(1, "t1");
  view(1);
  EXPECT_FALSE(seen_.complete(capture(1) + 60'000, kSettleMs));
  const E2eReport report = seen_.evaluate(true, 8);
  EXPECT_THAT(reasons(report), HasSubstr("1 of 2 tasks announced by their frames"));
}

TEST_F(ObservationsTest, FrameWithAllResultsButNoViewFailsNamingTheAggregator) {
  inject(1);
  frame(1);
  task(1, "t1", 1);
  result(1, "t1");
  EXPECT_THAT(seen_.awaiting_view(), ElementsAre(request(1)));
  EXPECT_FALSE(seen_.complete(capture(1) + 60'000, kSettleMs));

  const E2eReport report = seen_.evaluate(true, 8);
  EXPECT_EQ(report.views_missing, 1);
  ASSERT_EQ(report.failures.size(), 1u) << reasons(report);
  EXPECT_THAT(report.failures[0], HasSubstr("1 frame with all results never stored"));
  EXPECT_THAT(report.failures[0], HasSubstr("is `tmon aggregate` running?"));
}

TEST_F(ObservationsTest, NoTaskFromSeenFramesFailsNamingTheGenerator) {
  inject(3);
  frame(1);
  frame(2);
  frame(3);
  // Without a single task the check waits for its timeout.
  EXPECT_FALSE(seen_.complete(capture(3) + 60'000, kSettleMs));

  const E2eReport report = seen_.evaluate(true, 8);
  ASSERT_EQ(report.failures.size(), 1u) << reasons(report);
  EXPECT_THAT(report.failures[0], HasSubstr("no task generated from 3 frames"));
  EXPECT_THAT(report.failures[0], HasSubstr("is `tmon generate` running"));
}

TEST_F(ObservationsTest, FramesNeverSeenBlameTheBrokerOnly) {
  inject(2);
  const E2eReport report = seen_.evaluate(true, 8);
  ASSERT_EQ(report.failures.size(), 1u) << reasons(report);
  EXPECT_THAT(report.failures[0], HasSubstr("2 of 2 injected frames never seen on "
                                            "detection-results"));
  EXPECT_THAT(report.failures[0], HasSubstr("the broker or the injection failed"));
}

TEST_F(ObservationsTest, InjectionErrorIsReported) {
  seen_.injected(request(1), capture(1), capture(1));
  seen_.injection_failed("frame 1: Local: Message timed out");
  seen_.injection_done();
  const E2eReport report = seen_.evaluate(false, 8);
  EXPECT_THAT(reasons(report), HasSubstr("injection failed: frame 1: Local: Message timed out"));
}

TEST_F(ObservationsTest, ErrorResultsAreCountedAndFailOnlyWhenNoneIsOk) {
  inject(1);
  frame(1);
  task(1, "t1", 2);
  task(1, "t2", 2);
  result(1, "t1", 1'000, ResultStatus::kError, "timeout");
  result(1, "t2", 1'000, ResultStatus::kOk);
  view(1);
  E2eReport report = seen_.evaluate(false, 8);
  EXPECT_TRUE(report.passed()) << reasons(report);
  EXPECT_EQ(report.results_by_status.at("error"), 1);
  EXPECT_EQ(report.results_by_status.at("ok"), 1);
  EXPECT_EQ(report.error_codes.at("timeout"), 1);

  Observations all_bad("probe");
  all_bad.injected(request(1), capture(1), capture(1));
  all_bad.injection_done();
  seen_ = std::move(all_bad);
  frame(1);
  task(1, "t1", 1);
  result(1, "t1", 1'000, ResultStatus::kExpired, "deadline");
  view(1);
  report = seen_.evaluate(false, 8);
  EXPECT_EQ(report.results_by_status.at("expired"), 1);
  EXPECT_THAT(reasons(report), HasSubstr("no result was ok (deadline 1)"));
}

TEST_F(ObservationsTest, DuplicateResultAndPartialViewFail) {
  inject(1);
  frame(1);
  task(1, "t1", 1);
  result(1, "t1");
  result(1, "t1");
  view(1, 16'000, /*partial=*/true);
  const E2eReport report = seen_.evaluate(false, 8);
  EXPECT_EQ(report.duplicate_results, 1);
  EXPECT_EQ(report.views_partial, 1);
  EXPECT_THAT(reasons(report), HasSubstr("1 duplicate result"));
  EXPECT_THAT(reasons(report), HasSubstr("1 frame stored partial"));
}

TEST_F(ObservationsTest, MessagesOfOtherCamerasAndFramesAreIgnored) {
  inject(1);
  EXPECT_FALSE(frame(1, 5, "other-camera"));
  messages::AssessmentTask foreign;
  foreign.cameraId = "probe";
  foreign.requestId = "probe-from-a-real-camera";
  foreign.taskId = "x";
  EXPECT_FALSE(seen_.task_seen(foreign, kT0));
  const E2eReport report = seen_.evaluate(true, 8);
  EXPECT_EQ(report.tasks, 0);
  EXPECT_EQ(report.frames_seen, 0);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_THAT(report.notes[0], HasSubstr("ignored 1 message of camera probe"));
}

TEST_F(ObservationsTest, ResultsMayArriveBeforeTheirTasks) {
  inject(1);
  result(1, "t1");
  view(1);
  frame(1);
  task(1, "t1", 1);
  EXPECT_TRUE(seen_.complete(capture(1) + 2'000, kSettleMs));
  EXPECT_TRUE(seen_.evaluate(false, 8).passed());
}

TEST_F(ObservationsTest, FrameWithoutTasksSettlesWhenALaterFrameHasTasksOrAfterSettle) {
  inject(2);
  frame(1, 5);
  frame(2, 5);
  task(1, "t1", 1);
  result(1, "t1");
  view(1);
  // Frame 2 made no task (yet): done only after the settle time.
  EXPECT_FALSE(seen_.complete(capture(2) + 5 + kSettleMs - 1, kSettleMs));
  EXPECT_TRUE(seen_.complete(capture(2) + 5 + kSettleMs, kSettleMs));

  Observations later("probe");
  seen_ = std::move(later);
  inject(2);
  frame(1, 5);
  frame(2, 5);
  task(2, "t2", 1);
  result(2, "t2");
  view(2);
  // Frame 1 made no task, but generate moved past it: done at once.
  EXPECT_TRUE(seen_.complete(capture(2) + 10, kSettleMs));
}

TEST_F(ObservationsTest, NotCompleteBeforeInjectionIsDone) {
  seen_.injected(request(1), capture(1), capture(1));
  frame(1);
  task(1, "t1", 1);
  result(1, "t1");
  view(1);
  EXPECT_FALSE(seen_.complete(capture(1) + 60'000, kSettleMs));
  seen_.injection_done();
  EXPECT_TRUE(seen_.complete(capture(1) + 60'000, kSettleMs));
}

}  // namespace
}  // namespace tmon::e2e
