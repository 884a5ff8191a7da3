// The helpers that start servers we do not own: a foreign server on the
// port is never taken for ours, and a port-0 child's port is read from the OS.
#include <gtest/gtest.h>

#include "child_process.h"
#include "listening_port.h"
#include "redis_server.h"
#include "refusing_port.h"

namespace tmon::testing {
namespace {

using namespace std::chrono_literals;

TEST(TestRedisTest, AForeignServerOnThePortIsNotTakenForOurs) {
  TestRedis foreign(TestRedis::Private{});
  // Ours is asked to start where the foreign one listens: its child cannot
  // bind, and the foreign server answering there reports another pid.
  TestRedis ours(TestRedis::Private{}, foreign.port());
  EXPECT_NE(ours.port(), foreign.port());
  EXPECT_NE(ours.pid(), foreign.pid());
  EXPECT_GT(ours.pid(), 0);
}

TEST(TestRedisTest, RestartComesBackOnTheSamePort) {
  TestRedis redis(TestRedis::Private{});
  const int port = redis.port();
  const pid_t first = redis.pid();
  redis.kill();
  ASSERT_TRUE(redis.restart());
  EXPECT_EQ(redis.port(), port);
  EXPECT_NE(redis.pid(), first);
}

TEST(ListeningPortTest, ReadsTheBoundPortOfAChildFromTheOs) {
  // redis-server listens on the port it is given: the OS must say the same.
  TestRedis redis(TestRedis::Private{});
  EXPECT_EQ(listening_port_of(redis.pid(), 5s), redis.port());
}

TEST(ListeningPortTest, NoPortForAChildThatDoesNotListen) {
  ChildProcess sleeper({"sleep", "30"});
  EXPECT_EQ(listening_port_of(sleeper.pid(), 200ms), std::nullopt);
}

TEST(CandidatePortTest, BelowTheEphemeralRange) {
  // A port bound to 0 comes from the ephemeral range; candidates never do.
  const RefusingPort ephemeral;
  for (int i = 0; i < 100; ++i) {
    const int candidate = candidate_port();
    EXPECT_GE(candidate, 10000);
    EXPECT_LT(candidate, ephemeral.port());
  }
}

}  // namespace
}  // namespace tmon::testing
