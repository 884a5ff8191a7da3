#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/codec.h"
#include "messages/frame_view.h"
#include "messages/messages.h"

namespace tmon::api {

// The data of a /ws `detection_result` (COMPAT.md §1), the original front
// end's picture of a camera: the frame as detection saw it (`frame`, the
// annotated JPEG as a data URI; objects with `class`; groups with the
// original's fields) and the risk as the camera's newest assessment tells it:
// each group's colour `riskLevel`, `riskLevelRaw`, risk types and
// description when that group (by its stable groupId) was assessed; the
// alerts on display now (`alerts`, and the same array as
// `dangerousDrivingResults`); hasDangerousDriving, maxRiskLevel,
// llmLatency, llmModel. `assessment` may be null: nothing assessed yet.
// Times: `now_ms` sets how long each alert has left.
messages::JsonValue detection_result_data(const messages::DetectionResult& frame,
                                          const messages::FrameView* assessment,
                                          const std::vector<std::string>& supported_classes,
                                          int64_t now_ms);

// The same for a stored view, where no camera is pulled (`tmon api`): its
// detection is the frame (without a picture) and it is its own assessment;
// the view's own fields (riskAssessment, storedTs, partial, tasks, ...) are
// kept beside.
messages::JsonValue detection_result_data(const messages::FrameView& view,
                                          const std::vector<std::string>& supported_classes,
                                          int64_t now_ms);

}  // namespace tmon::api
