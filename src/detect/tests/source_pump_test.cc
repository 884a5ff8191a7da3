#include "detect/source_pump.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "eventually.h"

namespace tmon::detect {
namespace {

using namespace std::chrono_literals;
using tmon::testing::eventually;

CameraStatus named(const std::string& id) {
  CameraStatus status;
  status.id = id;
  return status;
}

TEST(BackoffTest, DoublesFromOneSecondToThirtyAndStartsOverAfterAFrame) {
  Backoff backoff;
  std::vector<int64_t> waits;
  for (int i = 0; i < 7; ++i) waits.push_back(backoff.next().count());
  EXPECT_EQ(waits, (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 30000, 30000}));
  backoff.reset();
  EXPECT_EQ(backoff.next().count(), 1000);
}

// A camera that refuses `failures` connections, then serves the frames a
// test pushes. Records when (on the clock) each open was tried.
class FakeSource final : public FrameSource {
 public:
  FakeSource(bool live, int failures, Clock& clock)
      : live_(live), failures_(failures), clock_(clock) {}

  Status open() override {
    std::lock_guard lock(mu_);
    opens_.push_back(clock_.epoch_ms());
    if (failures_ > 0) {
      --failures_;
      return make_error(ErrorCode::kUnavailable, "connection refused");
    }
    return {};
  }
  Result<cv::Mat> read(double elapsed) override {
    std::unique_lock lock(mu_);
    elapsed_.push_back(elapsed);
    if (!live_) return cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(7));
    cv_.wait(lock, [&] { return closed_ || !frames_.empty(); });
    if (frames_.empty()) return make_error(ErrorCode::kUnavailable, "closed");
    cv::Mat frame = frames_.front();
    frames_.pop_front();
    return frame;
  }
  bool live() const override { return live_; }
  std::string describe() const override { return "fake"; }

  void push(int value) {
    {
      std::lock_guard lock(mu_);
      frames_.push_back(cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(value)));
    }
    cv_.notify_all();
  }
  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }
  std::vector<int64_t> opens() {
    std::lock_guard lock(mu_);
    return opens_;
  }
  std::vector<double> elapsed() {
    std::lock_guard lock(mu_);
    return elapsed_;
  }

 private:
  bool live_;
  int failures_;
  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<cv::Mat> frames_;
  bool closed_ = false;
  std::vector<int64_t> opens_;
  std::vector<double> elapsed_;
};

class SourcePumpTest : public ::testing::Test {
 protected:
  SourcePumpTest() { board_.add(named("cam")); }

  std::string message() { return board_.get("cam")->message; }

  ManualClock clock_;
  StatusBoard board_{nullptr, nullptr};
};

TEST_F(SourcePumpTest, LiveSourceRetriesAfterOneThenTwoSecondsOnTheClock) {
  auto owned = std::make_unique<FakeSource>(true, 2, clock_);
  FakeSource& source = *owned;
  SourcePump pump("cam", std::move(owned), board_, clock_);
  const int64_t start = clock_.epoch_ms();
  pump.start();
  ASSERT_TRUE(eventually([&] { return source.opens().size() == 1 && clock_.waiters() == 1; }));
  EXPECT_EQ(board_.get("cam")->status, CameraState::kError);
  EXPECT_EQ(message(), "connection refused; retrying in 1 s");
  clock_.advance(999ms);
  ASSERT_TRUE(eventually([&] { return clock_.waiters() == 1; }));  // asleep again
  clock_.advance(1ms);
  ASSERT_TRUE(eventually([&] { return source.opens().size() == 2; }));
  ASSERT_TRUE(eventually([&] { return message() == "connection refused; retrying in 2 s"; }));
  clock_.advance(2s);
  ASSERT_TRUE(eventually([&] { return source.opens().size() == 3; }));
  // Each attempt exactly when its wait ended, none early.
  EXPECT_EQ(source.opens(), (std::vector<int64_t>{start, start + 1000, start + 3000}));

  EXPECT_EQ(pump.sample().outcome, SourcePump::Outcome::kStale);  // nothing decoded yet
  source.push(1);
  source.push(2);
  ASSERT_TRUE(eventually([&] { return board_.get("cam")->frames_grabbed == 2; }));
  const auto sample = pump.sample();
  ASSERT_EQ(sample.outcome, SourcePump::Outcome::kFrame);
  EXPECT_EQ(sample.frame.at<cv::Vec3b>(0, 0)[0], 2);  // only the newest is kept
  EXPECT_EQ(sample.captured_ms, start + 3000);
  EXPECT_EQ(pump.sample().outcome, SourcePump::Outcome::kStale);
  source.close();
  pump.stop();
}

TEST_F(SourcePumpTest, StopCutsABackoffShort) {
  auto owned = std::make_unique<FakeSource>(true, 100, clock_);
  FakeSource& source = *owned;
  SourcePump pump("cam", std::move(owned), board_, clock_);
  pump.start();
  ASSERT_TRUE(eventually([&] { return source.opens().size() == 1 && clock_.waiters() == 1; }));
  pump.stop();  // returns without the clock moving
  EXPECT_EQ(source.opens().size(), 1u);
}

TEST_F(SourcePumpTest, OnDemandSourceWaitsOutItsBackoffAndAdvancesByElapsedTime) {
  auto owned = std::make_unique<FakeSource>(false, 1, clock_);
  FakeSource& source = *owned;
  SourcePump pump("cam", std::move(owned), board_, clock_);
  EXPECT_EQ(pump.sample().outcome, SourcePump::Outcome::kWaiting);
  EXPECT_EQ(message(), "connection refused; retrying in 1 s");
  clock_.advance(999ms);
  EXPECT_EQ(pump.sample().outcome, SourcePump::Outcome::kWaiting);
  EXPECT_EQ(source.opens().size(), 1u);  // no attempt before the wait is over
  clock_.advance(1ms);
  EXPECT_EQ(pump.sample().outcome, SourcePump::Outcome::kFrame);
  clock_.advance(200ms);
  EXPECT_EQ(pump.sample().outcome, SourcePump::Outcome::kFrame);
  EXPECT_EQ(source.opens().size(), 2u);
  EXPECT_EQ(source.elapsed(), (std::vector<double>{0.0, 0.2}));
  EXPECT_EQ(board_.get("cam")->frames_grabbed, 2);
}

// The wire words of COMPAT.md (GET /api/cameras, /ws camera_status, the
// fleet's status records): one name per state, read back to the same state.
TEST(CameraStateTest, EachStateHasItsWireWordAndReadsBack) {
  EXPECT_EQ(to_string(CameraState::kStarting), "starting");
  EXPECT_EQ(to_string(CameraState::kOk), "ok");
  EXPECT_EQ(to_string(CameraState::kError), "error");
  EXPECT_EQ(to_string(CameraState::kEnded), "ended");
  for (const auto& [state, name] : kCameraStateNames) {
    EXPECT_EQ(parse_camera_state(name), state) << name;
  }
  EXPECT_FALSE(parse_camera_state("streaming"));
  EXPECT_FALSE(parse_camera_state("OK"));
}

TEST(StatusBoardTest, TellsChangesOnceAndCountsErrors) {
  std::vector<CameraStatus> told;
  StatusBoard board(nullptr, [&](const CameraStatus& s) { told.push_back(s); });
  board.add(named("cam"));
  EXPECT_EQ(board.get("cam")->status, CameraState::kStarting);
  board.set("cam", CameraState::kError, "no signal");
  board.set("cam", CameraState::kError, "no signal");  // no change: not told again
  board.set("cam", CameraState::kOk, "");
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0].status, CameraState::kError);
  EXPECT_EQ(told[0].message, "no signal");
  EXPECT_EQ(told[1].status, CameraState::kOk);
  EXPECT_EQ(board.get("cam")->errors, 1);
  board.set("unknown", CameraState::kOk, "");  // ignored
  EXPECT_EQ(board.all().size(), 1u);
}

TEST(StatusBoardTest, RatesComeFromTheTimesGiven) {
  StatusBoard board(nullptr, nullptr);
  board.add(named("cam"));
  for (int i = 0; i <= 10; ++i) board.tracked("cam", 1'000 + 200 * i);  // 5 per second
  for (int i = 0; i <= 2; ++i) board.analysed("cam", 900 + 1'000 * i, 1'000 + 1'000 * i);
  board.track_skipped("cam");
  board.dropped("cam", "stale");
  const auto status = board.get("cam");
  EXPECT_DOUBLE_EQ(status->track_fps, 5.0);
  EXPECT_DOUBLE_EQ(status->fps, 1.0);
  EXPECT_EQ(status->frames_tracked, 11);
  EXPECT_EQ(status->frames_sampled, 3);
  EXPECT_EQ(status->last_frame_ts, 2'900);
  EXPECT_EQ(status->track_skipped, 1);
  EXPECT_EQ(status->frames_dropped, 1);
  board.remove("cam");
  EXPECT_FALSE(board.get("cam"));
}

}  // namespace
}  // namespace tmon::detect
