#pragma once

#include <string>

#include "messages/messages.h"

namespace tmon::schedule {

// A result carrying the task's identity (ids, captureTs, frameTaskCount) and
// the given status; the caller fills in the assessment or the error.
messages::AssessmentResult result_for(const messages::AssessmentTask& task,
                                      messages::ResultStatus status, int64_t now_ms);

messages::AssessmentResult error_result(const messages::AssessmentTask& task,
                                        messages::ResultStatus status, std::string code,
                                        std::string message, int64_t now_ms);

}  // namespace tmon::schedule
