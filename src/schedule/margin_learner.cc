#include "schedule/margin_learner.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace tmon::schedule {

void MarginLearner::observe_spread(Millis permit_to_send) {
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
  // Soon after the last growth the margin is still far off: double it. Once
  // it has held for a while it is nearly right, and a 429 is the tail of the
  // network's spread: a small step, or every such tail would halve capacity
  // gains bought by the doubling.
  const bool held = learned_.set_epoch_ms > 0 &&
                    now_epoch_ms - learned_.set_epoch_ms >= settings_.settle.count();
  const Millis grown = held ? std::max(margin_used + Millis(1), margin_used * 21 / 20)
                            : std::max(margin_used * 2, settings_.floor + Millis(1));
  const Millis target = std::min(grown, std::max(settings_.floor, settings_.maximum));
  const double extra = static_cast<double>((target - std::max(settings_.floor, spread_max_)).count());
  if (extra <= learned_at(learned_, now_epoch_ms)) return false;
  learned_ = {extra, now_epoch_ms};
  return true;
}

void MarginLearner::adopt(const LearnedMargin& shared, int64_t now_epoch_ms) {
  if (learned_at(shared, now_epoch_ms) > learned_at(learned_, now_epoch_ms)) learned_ = shared;
}

}  // namespace tmon::schedule
