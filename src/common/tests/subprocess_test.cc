#include "common/subprocess.h"

#include <gtest/gtest.h>

namespace tmon {
namespace {

TEST(SubprocessTest, ReadsStdoutLineByLine) {
  auto process = Subprocess::start({"sh", "-c", "echo first; echo second"});
  ASSERT_TRUE(process);
  EXPECT_EQ(process->read_line(std::chrono::seconds(5)), "first");
  EXPECT_EQ(process->read_line(std::chrono::seconds(5)), "second");
  EXPECT_FALSE(process->read_line(std::chrono::seconds(5)));  // EOF
}

TEST(SubprocessTest, StopEndsALongRunningChild) {
  auto process = Subprocess::start({"sleep", "30"});
  ASSERT_TRUE(process);
  const auto start = std::chrono::steady_clock::now();
  process->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(SubprocessTest, SelfExecutableIsThisTest) {
  EXPECT_NE(self_executable().find("common_fixture_test"), std::string::npos);
}

}  // namespace
}  // namespace tmon
