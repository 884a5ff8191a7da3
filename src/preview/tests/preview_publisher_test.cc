// The pulling side on a ManualClock: no preview without a lease, at most
// max_fps with one, publishing stops at the first poll after the lease
// goes, one Redis call per poll whatever the frame rate.
#include "preview/preview_publisher.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "api/tests/test_views.h"
#include "eventually.h"
#include "messages/codec.h"
#include "preview/tests/fake_preview_store.h"

namespace tmon::preview {
namespace {

using namespace std::chrono_literals;

class PreviewPublisherTest : public ::testing::Test {
 protected:
  PreviewPublisherTest() {
    options_.puller = "detect-1";
    options_.max_fps = 2;
    options_.poll = 1s;
  }

  std::unique_ptr<PreviewPublisher> publisher() {
    return std::make_unique<PreviewPublisher>(
        store_, clock_, metrics_,
        [] {
          return std::vector<std::string>{"cam-1", "7"};
        },
        options_);
  }
  // A frame of cam-1 captured now.
  messages::DetectionResult frame(const messages::CameraId& camera = "cam-1") {
    auto frame = api::views::frame(camera, clock_.epoch_ms());
    frame.thumbnailBase64.clear();  // the message bounds have tests of their own
    return frame;
  }
  double skipped(const char* reason) { return metrics_.skipped_for(reason).Value(); }

  ManualClock clock_;
  testing::FakePreviewStore store_{clock_};
  prometheus::Registry registry_;
  PreviewMetrics metrics_{registry_};
  PublisherOptions options_;
};

TEST_F(PreviewPublisherTest, NoPreviewLeavesWithoutALease) {
  auto publisher = this->publisher();
  for (int i = 0; i < 20; ++i) {
    if (i % 5 == 0) publisher->poll();
    publisher->offer(frame());
    publisher->flush();
    clock_.advance(200ms);
  }
  EXPECT_TRUE(store_.sent().empty());
  EXPECT_EQ(metrics_.published.Value(), 0);
  EXPECT_EQ(skipped("unwatched"), 20);
  EXPECT_EQ(store_.poll_count(), 4);
  // The poll told the deployment where its cameras are pulled.
  EXPECT_EQ(store_.pulled("cam-1"), true);
  EXPECT_EQ(store_.pulled("elsewhere"), false);
}

TEST_F(PreviewPublisherTest, AWatchedCameraGetsAtMostMaxFpsPreviews) {
  auto publisher = this->publisher();
  ASSERT_TRUE(store_.hold({"cam-1"}, "api-1", 10s));
  publisher->poll();
  EXPECT_EQ(publisher->leased(), std::vector<std::string>{"cam-1"});
  EXPECT_EQ(metrics_.leased_here.Value(), 1);
  // Ten frames a second for two seconds: four go out, at 0, 0.5, 1 and 1.5 s.
  for (int i = 0; i < 20; ++i) {
    publisher->offer(frame());
    publisher->offer(frame(messages::CameraId::integer(7)));  // not watched
    publisher->flush();
    clock_.advance(100ms);
  }
  const auto sent = store_.sent();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(metrics_.published.Value(), 4);
  EXPECT_EQ(skipped("rate"), 16);
  EXPECT_EQ(skipped("unwatched"), 20);
  // What went out is the frame, as a local watcher would get it.
  EXPECT_EQ(sent[0].first, "cam-1");
  const auto decoded = messages::decode_detection_result(sent[0].second);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->detectedObjects.size(), 3u);
  EXPECT_EQ(metrics_.published_bytes.Value(), [&] {
    double bytes = 0;
    for (const auto& [camera, json] : sent) bytes += static_cast<double>(json.size());
    return bytes;
  }());
}

TEST_F(PreviewPublisherTest, PublishingStopsAtTheFirstPollAfterTheLeaseEnds) {
  auto publisher = this->publisher();
  ASSERT_TRUE(store_.hold({"cam-1"}, "api-1", 10s));
  publisher->poll();
  publisher->offer(frame());
  publisher->flush();
  ASSERT_EQ(store_.sent().size(), 1u);

  ASSERT_TRUE(store_.drop("cam-1", "api-1"));  // the last watcher left
  clock_.advance(1s);
  publisher->offer(frame());  // before the poll: still believed watched
  publisher->poll();          // the waiting frame is not sent after it
  publisher->flush();
  for (int i = 0; i < 10; ++i) {
    clock_.advance(1s);
    publisher->poll();
    publisher->offer(frame());
    publisher->flush();
  }
  EXPECT_EQ(store_.sent().size(), 1u);
  EXPECT_EQ(skipped("unwatched"), 10);
  EXPECT_EQ(metrics_.leased_here.Value(), 0);
}

TEST_F(PreviewPublisherTest, ALeaseThatExpiresStopsPublishingToo) {
  auto publisher = this->publisher();
  ASSERT_TRUE(store_.hold({"cam-1"}, "api-1", 10s));  // its holder then died
  int sent_after_expiry = -1;
  for (int second = 0; second < 15; ++second) {
    publisher->poll();
    publisher->offer(frame());
    publisher->flush();
    if (second == 10) sent_after_expiry = static_cast<int>(store_.sent().size());
    clock_.advance(1s);
  }
  EXPECT_EQ(sent_after_expiry, 10);  // seconds 0..9
  EXPECT_EQ(store_.sent().size(), 10u);
}

TEST_F(PreviewPublisherTest, TheThreadPollsOncePerPeriodWhateverTheFrameRate) {
  auto publisher = this->publisher();
  ASSERT_TRUE(store_.hold({"cam-1"}, "api-1", 60s));
  publisher->start();
  ASSERT_TRUE(tmon::testing::eventually([&] { return store_.poll_count() == 1; }));
  ASSERT_TRUE(tmon::testing::eventually([&] { return clock_.waiters() == 1; }));
  // Frames wake it to publish, not to poll.
  publisher->offer(frame());
  ASSERT_TRUE(tmon::testing::eventually([&] { return store_.sent().size() == 1; }));
  for (int i = 0; i < 5; ++i) {
    clock_.advance(100ms);
    publisher->offer(frame());
  }
  ASSERT_TRUE(tmon::testing::eventually([&] { return store_.sent().size() == 2; }));
  EXPECT_EQ(store_.poll_count(), 1);
  ASSERT_TRUE(tmon::testing::eventually([&] { return clock_.waiters() == 1; }));
  clock_.advance(500ms);  // one second after the first poll
  ASSERT_TRUE(tmon::testing::eventually([&] { return store_.poll_count() == 2; }));
  publisher->stop();
  publisher->stop();  // idempotent
}

TEST_F(PreviewPublisherTest, RedisDownCountsErrorsAndLosesNoThreadOrFrameBound) {
  auto publisher = this->publisher();
  ASSERT_TRUE(store_.hold({"cam-1"}, "api-1", 60s));
  publisher->poll();
  store_.set_failing(true);
  publisher->poll();  // keeps the last answer
  EXPECT_EQ(metrics_.lease_errors.Value(), 1);
  EXPECT_TRUE(publisher->failing());
  publisher->offer(frame());
  publisher->flush();
  EXPECT_EQ(skipped("error"), 1);
  store_.set_failing(false);
  clock_.advance(1s);
  publisher->offer(frame());
  publisher->flush();
  EXPECT_EQ(store_.sent().size(), 1u);
}

}  // namespace
}  // namespace tmon::preview
