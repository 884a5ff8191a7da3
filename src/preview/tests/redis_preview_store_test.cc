// The lease scripts against a real redis-server: leases of several holders
// on one camera, a drop that ends one holder's lease only, expiry by
// Redis's own clock, announcements, and PUBLISH on the preview channel.
#include <gtest/gtest.h>

#include "common/ids.h"
#include "eventually.h"
#include "preview/preview_store.h"
#include "redis_server.h"

namespace tmon::preview {
namespace {

using namespace std::chrono_literals;

class RedisPreviewStoreTest : public ::testing::Test {
 protected:
  testing::TestRedis redis_;
  std::shared_ptr<store::RedisClient> client_ = std::make_shared<store::RedisClient>(
      *store::RedisAddress::parse(redis_.url()), Millis(2'000));
  RedisPreviewStore store_{client_};
  // Fresh ids: the Redis of scripts/test.sh is shared by the tests.
  std::string camera_ = "pv-" + random_hex_id(4);
  std::string other_ = "pv-" + random_hex_id(4);
};

TEST_F(RedisPreviewStoreTest, LeasesOfSeveralHoldersAndTheirDrops) {
  auto none = store_.poll({camera_, other_}, "detect-1", 3s);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(*none, (std::vector<bool>{false, false}));

  ASSERT_TRUE(store_.hold({camera_}, "api-1", 10s));
  ASSERT_TRUE(store_.hold({camera_}, "api-2", 10s));
  EXPECT_EQ(*store_.poll({camera_, other_}, "detect-1", 3s), (std::vector<bool>{true, false}));
  ASSERT_TRUE(store_.drop(camera_, "api-1"));
  EXPECT_EQ(*store_.poll({camera_}, "detect-1", 3s), std::vector<bool>{true});  // api-2's
  ASSERT_TRUE(store_.drop(camera_, "api-2"));
  EXPECT_EQ(*store_.poll({camera_}, "detect-1", 3s), std::vector<bool>{false});
  EXPECT_TRUE(store_.hold({}, "api-1", 10s));  // nothing to hold: no call
  EXPECT_EQ(*store_.poll({}, "detect-1", 3s), std::vector<bool>{});
}

TEST_F(RedisPreviewStoreTest, ALeaseNotRefreshedExpiresByItselfAndItsKeyGoes) {
  ASSERT_TRUE(store_.hold({camera_}, "api-dead", Millis(300)));
  ASSERT_TRUE(store_.hold({camera_}, "api-alive", 60s));
  auto ttl = client_->command({"PTTL", watch_key(camera_)});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 30'000);  // the key lives as long as its longest lease
  ASSERT_TRUE(store_.drop(camera_, "api-alive"));
  // Redis's clock decides: wait for its verdict, not for a time.
  ASSERT_TRUE(tmon::testing::eventually(
      [&] {
        auto alive = store_.poll({camera_}, "detect-1", 3s);
        return alive && !(*alive)[0];
      },
      10s));

  ASSERT_TRUE(store_.hold({other_}, "api-dead", Millis(200)));
  ASSERT_TRUE(tmon::testing::eventually(
      [&] {
        auto exists = client_->command({"EXISTS", watch_key(other_)});
        return exists && exists->integer == 0;
      },
      10s));
}

TEST_F(RedisPreviewStoreTest, APollAnnouncesWhereCamerasArePulled) {
  EXPECT_EQ(store_.pulled(camera_), false);
  ASSERT_TRUE(store_.poll({camera_}, "detect-1", 3s));
  EXPECT_EQ(store_.pulled(camera_), true);
  auto owner = client_->command({"GET", pulled_key(camera_)});
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->text, "detect-1");
  auto ttl = client_->command({"PTTL", pulled_key(camera_)});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 3'000);
}

TEST_F(RedisPreviewStoreTest, PublishSaysHowManyListened) {
  auto nobody = store_.publish(camera_, "{}");
  ASSERT_TRUE(nobody);
  EXPECT_EQ(*nobody, 0);
}

}  // namespace
}  // namespace tmon::preview
