// Live frames to a slow connection: one on its way per camera, the newest
// waiting, nothing queued.
#include "api/frame_pacer.h"

#include <gtest/gtest.h>

#include <vector>

namespace tmon::api {
namespace {

// A connection whose writes complete when the test says so.
struct FakeConnection {
  std::vector<std::string> sent;
  std::vector<std::function<void()>> pending;
  FramePacer::Send sender() {
    return [this](std::string text, std::function<void()> written) {
      sent.push_back(std::move(text));
      pending.push_back(std::move(written));
    };
  }
  void finish_one() {
    auto done = std::move(pending.front());
    pending.erase(pending.begin());
    done();
  }
};

std::shared_ptr<const std::string> frame(const std::string& text) {
  return std::make_shared<const std::string>(text);
}

TEST(FramePacerTest, AFastConnectionGetsEveryFrame) {
  auto pacer = std::make_shared<FramePacer>();
  FakeConnection connection;
  for (const char* text : {"f1", "f2", "f3"}) {
    pacer->offer(&connection, "cam", frame(text), connection.sender());
    connection.finish_one();
  }
  EXPECT_EQ(connection.sent, (std::vector<std::string>{"f1", "f2", "f3"}));
  EXPECT_EQ(pacer->replaced(), 0u);
}

TEST(FramePacerTest, ASlowConnectionGetsTheNewestNextAndNoQueue) {
  auto pacer = std::make_shared<FramePacer>();
  FakeConnection connection;
  for (const char* text : {"f1", "f2", "f3", "f4"}) {
    pacer->offer(&connection, "cam", frame(text), connection.sender());
  }
  EXPECT_EQ(connection.sent, (std::vector<std::string>{"f1"}));  // one on its way
  connection.finish_one();
  EXPECT_EQ(connection.sent, (std::vector<std::string>{"f1", "f4"}));  // f2, f3 replaced
  connection.finish_one();
  EXPECT_EQ(connection.sent.size(), 2u);  // nothing else waits
  EXPECT_EQ(pacer->replaced(), 2u);
}

TEST(FramePacerTest, CamerasArePacedApart) {
  auto pacer = std::make_shared<FramePacer>();
  FakeConnection connection;
  pacer->offer(&connection, "a", frame("a1"), connection.sender());
  pacer->offer(&connection, "b", frame("b1"), connection.sender());
  EXPECT_EQ(connection.sent, (std::vector<std::string>{"a1", "b1"}));
}

TEST(FramePacerTest, AForgottenConnectionGetsNothingMoreAndLateCallbacksAreHarmless) {
  auto pacer = std::make_shared<FramePacer>();
  FakeConnection connection;
  pacer->offer(&connection, "cam", frame("f1"), connection.sender());
  pacer->offer(&connection, "cam", frame("f2"), connection.sender());
  pacer->forget(&connection);
  connection.finish_one();
  EXPECT_EQ(connection.sent, (std::vector<std::string>{"f1"}));
  // A callback after the pacer is gone.
  pacer->offer(&connection, "cam", frame("f3"), connection.sender());
  pacer.reset();
  connection.finish_one();
}

}  // namespace
}  // namespace tmon::api
