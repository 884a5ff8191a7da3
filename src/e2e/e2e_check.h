#pragma once

#include <ostream>
#include <string>

#include "config/config.h"
#include "e2e/e2e_report.h"

namespace tmon::e2e {

// One run of `tmon e2e-test` against a running pipeline.
struct E2eOptions {
  std::string camera_id;
  double duration_seconds = 10;  // of injection
  double interval_seconds = 1;   // between frames
  // How long to wait after the last frame for everything to arrive.
  double timeout_seconds = 30;
  // A frame that made no task counts as done this long after it was seen
  // (unless a later frame's tasks show that generate moved past it).
  double settle_seconds = 2;
  // The pipeline's Kafka settings with bootstrap_servers resolved to an
  // address list (not "embedded"); its topic names are the ones followed.
  config::KafkaConfig kafka;
  config::DetectionConfig detection;  // grouping, as the pipeline's cameras do it
  // Stored views are followed on Redis (pub/sub on camera:<id>, history),
  // or, when Redis cannot be reached or views_via_api is set (the pipeline
  // keeps results in process memory), through the API's history endpoint.
  std::string redis_url;
  std::string api_url;
  bool views_via_api = false;
};

// Frames a run injects: one every interval for the duration, at least one.
int planned_frames(const E2eOptions& options);

// Subscribes to the three topics (from their current end) and to the
// camera's views, then injects synthetic frames for options.camera_id and
// follows them until all arrived or the timeout after the last frame passed.
// Progress lines go to `progress`; the verdict is in the report. Never
// throws; a setup failure (broker or store unreachable) is a failed report.
E2eReport run_e2e_check(const E2eOptions& options, std::ostream& progress);

}  // namespace tmon::e2e
