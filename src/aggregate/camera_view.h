#pragma once

#include <string>

#include "messages/messages.h"

namespace tmon::aggregate {

// The JSON a camera's latest view holds (GET /api/cameras/{id}/latest and
// PUBLISH camera:{id}): the result's identity and status, the assessment
// fields hoisted to the top (hasDangerousDriving, maxRiskLevel, results),
// its metadata, and when it was stored with the end-to-end latency
// (storedTs - captureTs).
std::string camera_view_json(const messages::AssessmentResult& result, int64_t stored_ms);

}  // namespace tmon::aggregate
