#include "common/clock_timer.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tmon {

namespace asio = boost::asio;

struct ClockTimer::State {
  State(Clock& clock, asio::any_io_executor executor)
      : clock(clock), executor(executor), timer(executor) {}
  Clock& clock;
  asio::any_io_executor executor;
  asio::steady_timer timer;
  SteadyTime at = SteadyTime::max();
  std::optional<uint64_t> alarm;  // set on a clock that keeps alarms
  uint64_t generation = 0;        // so a late alarm of an old expiry wakes nothing
};

ClockTimer::ClockTimer(Clock& clock, asio::any_io_executor executor)
    : clock_(clock), state_(std::make_shared<State>(clock, std::move(executor))) {}

ClockTimer::~ClockTimer() {
  if (state_->alarm) clock_.cancel_alarm(*state_->alarm);
}

void ClockTimer::expires_at(SteadyTime at) {
  State& state = *state_;
  if (state.alarm) clock_.cancel_alarm(*state.alarm);
  state.alarm.reset();
  state.at = at;
  const uint64_t generation = ++state.generation;
  // A clock with alarms (a ManualClock) decides when the wait ends: the OS
  // timer waits "forever" and the alarm cancels it. It runs on the thread that
  // advances the clock, so it hands the wake-up to the timer's executor.
  std::weak_ptr<State> weak = state_;
  auto fire = [weak, generation] {
    const auto alive = weak.lock();
    if (!alive) return;
    asio::post(alive->executor, [weak, generation] {
      if (const auto state = weak.lock(); state && state->generation == generation) {
        state->timer.cancel();
      }
    });
  };
  state.alarm = clock_.add_alarm(at, std::move(fire));
  state.timer.expires_at(state.alarm ? SteadyTime::max() : at);
}

SteadyTime ClockTimer::expiry() const { return state_->at; }

asio::awaitable<bool> ClockTimer::wait() {
  // Keep the state alive across the suspension even if the timer object is
  // destroyed by its owner meanwhile.
  const std::shared_ptr<State> state = state_;
  if (state->clock.now() >= state->at) co_return true;
  boost::system::error_code ignored;
  co_await state->timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  co_return state->clock.now() >= state->at;
}

void ClockTimer::cancel() { state_->timer.cancel(); }

}  // namespace tmon
