// The near-miss guarantee: every near miss a sim:// scene renders,
// that detection saw as a group, produces a task while it lasts. Detection is
// the real motion detector and tracker; only time is simulated.

#include <gtest/gtest.h>

#include "generate/sim_run.h"

namespace tmon::generate {
namespace {

SimRunReport run(uint64_t seed, int frames) {
  SimRunOptions options;
  options.camera_id = "sim-" + std::to_string(seed);
  // More reckless drivers than the default scene, for more events per second
  // of test time; everything else as shipped.
  options.scene = {.seed = seed, .density = 0.7, .near_miss = 0.4};
  options.frames = frames;
  TaskGenerator generator(config::TaskConfig{});
  return run_sim_camera(options, generator);
}

TEST(NearMissTest, EveryNearMissSeenAsAGroupProducesATaskWhileItLasts) {
  SimRunReport total;
  for (uint64_t seed : {1, 2, 3}) total += run(seed, 150);
  const auto& audit = total.near_misses;
  std::string missed;
  for (const auto& line : audit.missed) missed += "\n  " + line;
  EXPECT_TRUE(audit.missed.empty())
      << audit.missed.size() << " near misses without a task:" << missed;
  // The guarantee must not hold vacuously.
  EXPECT_GE(audit.seen_as_group(), 10);
  // Fewer calls than one per group per frame. In flowing traffic sampled
  // every 1.8 s most groups change members from frame to frame, which is a
  // reason to look again; the bound is loose on purpose, the benchmark
  // reports the figures.
  EXPECT_LT(total.tasks, total.groups * 3 / 4);
  std::printf(
      "near misses: recorded=%d between_frames=%d not_seen=%d seen_as_group=%d caught=%d\n"
      "groups=%d tasks=%d deduplicated=%d untriggered=%d\n",
      audit.recorded, audit.between_frames, audit.not_seen, audit.seen_as_group(), audit.caught,
      total.groups, total.tasks, total.deduplicated, total.untriggered);
}

}  // namespace
}  // namespace tmon::generate
