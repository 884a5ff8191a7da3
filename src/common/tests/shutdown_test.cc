#include "common/shutdown.h"

#include <gtest/gtest.h>

#include <thread>

namespace tmon {
namespace {

TEST(ShutdownTest, WaitReturnsOnceRequestedFromAnotherThread) {
  Shutdown shutdown;
  std::thread requester([&] { shutdown.request(); });
  shutdown.wait();
  requester.join();
  EXPECT_TRUE(shutdown.requested());
}

TEST(ShutdownTest, WaitForTimesOutWhenNotRequested) {
  Shutdown shutdown;
  EXPECT_FALSE(shutdown.wait_for(std::chrono::milliseconds(1)));
}

}  // namespace
}  // namespace tmon
