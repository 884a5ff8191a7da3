// The watching side: a channel subscribed once per camera however many
// local watchers, unsubscribed with the last; previews decoded once and
// handed on as frames; another camera's payload or garbage counted and
// dropped; streaming() only while previews come.
#include "preview/remote_feed.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "api/tests/test_views.h"
#include "messages/codec.h"
#include "preview/tests/fake_preview_store.h"

namespace tmon::preview {
namespace {

using namespace std::chrono_literals;

class RemoteFeedTest : public ::testing::Test {
 protected:
  RemoteFeedTest() {
    feed_->add_listener(
        [this](const messages::DetectionResult& frame) { frames_.push_back(frame); });
  }

  ManualClock clock_;
  testing::FakePreviewStore store_{clock_};
  prometheus::Registry registry_;
  PreviewMetrics metrics_{registry_};
  WatchLeases leases_{store_, clock_, metrics_, {"api-1", 10s, 3s, 64}};
  std::vector<std::pair<std::string, bool>> switches_;
  std::shared_ptr<RemoteFeed> feed_ = std::make_shared<RemoteFeed>(
      store_, leases_, clock_, metrics_,
      [this](const std::string& channel, bool on) { switches_.emplace_back(channel, on); }, 10s);
  std::vector<messages::DetectionResult> frames_;
};

TEST_F(RemoteFeedTest, OneSubscriptionPerCameraForAsLongAsAnyoneWatches) {
  auto first = feed_->watch("7");
  auto second = feed_->watch("7");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(switches_, (std::vector<std::pair<std::string, bool>>{{"tmon:preview:7", true}}));
  EXPECT_EQ(leases_.watched(), std::vector<std::string>{"7"});
  first->reset();
  EXPECT_EQ(switches_.size(), 1u);
  second->reset();
  EXPECT_EQ(switches_.back(), std::make_pair(std::string("tmon:preview:7"), false));
  EXPECT_TRUE(leases_.watched().empty());
}

TEST_F(RemoteFeedTest, PreviewsBecomeFramesForTheListeners) {
  auto watch = feed_->watch("7");
  ASSERT_TRUE(watch);
  EXPECT_FALSE(feed_->streaming("7"));
  const auto frame = api::views::frame(messages::CameraId::integer(7), 1'000);
  feed_->receive("7", messages::encode(frame));
  ASSERT_EQ(frames_.size(), 1u);
  EXPECT_EQ(frames_[0], frame);  // the id still an integer, the picture there
  EXPECT_TRUE(feed_->streaming("7"));
  EXPECT_EQ(metrics_.received.Value(), 1);
  clock_.advance(10s);  // no preview for as long as a lease lives
  EXPECT_FALSE(feed_->streaming("7"));
}

TEST_F(RemoteFeedTest, GarbageAndOtherCamerasPayloadsAreDroppedAndCounted) {
  auto watch = feed_->watch("7");
  ASSERT_TRUE(watch);
  feed_->receive("7", "{not json");
  feed_->receive("7", messages::encode(api::views::frame("8", 1'000)));  // cam 8 on 7's channel
  EXPECT_TRUE(frames_.empty());
  EXPECT_EQ(metrics_.invalid.Value(), 2);
  EXPECT_FALSE(feed_->streaming("7"));
  // A camera nobody here watches (a late message after the unsubscribe).
  feed_->receive("9", messages::encode(api::views::frame("9", 1'000)));
  EXPECT_TRUE(frames_.empty());
}

TEST_F(RemoteFeedTest, AWatchOutlivingTheFeedDoesNothing) {
  auto watch = feed_->watch("7");
  ASSERT_TRUE(watch);
  feed_.reset();
  watch->reset();  // no crash, no call into the gone feed
  EXPECT_EQ(switches_.size(), 1u);
}

TEST_F(RemoteFeedTest, PulledElsewhereAsksWhereCamerasAreAnnounced) {
  EXPECT_FALSE(feed_->pulled_elsewhere("7"));
  ASSERT_TRUE(store_.poll({"7"}, "detect-1", 3s));
  EXPECT_TRUE(feed_->pulled_elsewhere("7"));
}

}  // namespace
}  // namespace tmon::preview
