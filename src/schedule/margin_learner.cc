#include "schedule/margin_learner.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace tmon::schedule {

void MarginLearner::observe_spread(Millis permit_to_send) {
  ++sends_since_growth_;
  spreads_[next_spread_] = std::max(Millis(0), permit_to_send);
  next_spread_ = (next_spread_ + 1) % spreads_.size();
  // The 99th percentile of the last 256 (the third largest): one stall of the
  // process should not widen every window for the next 256 calls.
  auto copy = spreads_;
  std::nth_element(copy.begin(), copy.begin() + 2, copy.end(), std::greater<>());
  spread_max_ = copy[2];
}

double MarginLearner::learned_at(const LearnedMargin& learned, int64_t now_epoch_ms) const {
  if (learned.extra_ms <= 0) return 0;
  const double age = static_cast<double>(std::max<int64_t>(0, now_epoch_ms - learned.set_epoch_ms));
  const double half_life = std::max<double>(1, static_cast<double>(settings_.half_life.count()));
  return learned.extra_ms * std::exp2(-age / half_life);
}

Millis MarginLearner::current(int64_t now_epoch_ms) const {
  const double total = static_cast<double>(std::max(settings_.floor, spread_max_).count()) +
                       learned_at(learned_, now_epoch_ms);
  const auto rounded = Millis(static_cast<int64_t>(std::ceil(total)));
  return std::clamp(rounded, settings_.floor, std::max(settings_.floor, settings_.maximum));
}

bool MarginLearner::on_unpredicted_429(Millis margin_used, int64_t now_epoch_ms) {
  // Sent with a margin we have since outgrown: already learned from.
  if (margin_used < current(now_epoch_ms)) return false;
  // Nothing learned yet, or a 429 within a few sends of the last growth:
  // the margin is still far off (at half the spread, one send in eight is refused): double it.
  // After `settle_sends` without one the margin is nearly right and the 429 is the tail of the
  // network's spread: a small step, or each such tail would double the margin and cost capacity for
  // nothing.
  const bool held =
      learned_at(learned_, now_epoch_ms) > 0 && sends_since_growth_ >= settings_.settle_sends;
  const Millis grown = held ? std::max(margin_used + Millis(1), margin_used * 21 / 20)
                            : std::max(margin_used * 2, settings_.floor + Millis(1));
  const Millis target = std::min(grown, std::max(settings_.floor, settings_.maximum));
  const double extra =
      static_cast<double>((target - std::max(settings_.floor, spread_max_)).count());
  if (extra <= learned_at(learned_, now_epoch_ms)) return false;
  learned_ = {extra, now_epoch_ms};
  sends_since_growth_ = 0;
  return true;
}

void MarginLearner::adopt(const LearnedMargin& shared, int64_t now_epoch_ms) {
  if (learned_at(shared, now_epoch_ms) > learned_at(learned_, now_epoch_ms)) {
    learned_ = shared;
    // Grown elsewhere just now: still searching. Found in Redis at start-up
    // (set long ago): it held there.
    if (now_epoch_ms - shared.set_epoch_ms < 10'000) sends_since_growth_ = 0;
  }
}

}  // namespace tmon::schedule
