#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "trace/pipeline_trace.h"

namespace tmon::bench {

// Where tmon's own time goes, hop by hop, from the timestamps the messages
// carry (epoch ms, all from the one host's clock):
//   capture -> detected (detection) -> task created (a Kafka hop and
//   generation) -> task produced -> received by the scheduler (the Kafka hop:
//   linger, broker, fetch wait, the consumer's loop) -> sent to the LLM (the
//   scheduler's queue and its own work) -> completed -> the last result
//   produced -> received by the aggregator (the Kafka hop) -> view stored
//   (aggregation and Redis).
// Each stage's distribution ("stagesMs" of the report) over the tasks (task
// hops) or frames (result hops, and pipelineAfterDetection: the pipeline
// latency less the frame's detection) whose capture counts (`counts`), and the
// frames with the largest pipeline latency, each with its last task's hops
// ("slowestFrames"), so that a tail can be pinned on one hop.
struct StageBreakdown {
  nlohmann::json stages_ms;       // stage name -> Distribution::to_json()
  nlohmann::json slowest_frames;  // array, slowest first
};

StageBreakdown break_down_stages(const std::map<std::string, trace::FrameTrace>& frames,
                                 const std::map<std::string, trace::TaskTrace>& tasks,
                                 const std::function<bool(int64_t capture_ts)>& counts,
                                 int64_t load_start_ms, size_t slowest = 10);

}  // namespace tmon::bench
