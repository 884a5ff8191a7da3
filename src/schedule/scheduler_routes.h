#pragma once

#include <string>

#include "http/router.h"
#include "schedule/scheduler.h"

namespace tmon::schedule {

// The scheduler's operator endpoints, added to whichever HTTP server the
// process runs (the API in `tmon up`, the ops port of `tmon schedule`):
//   GET  /api/scheduler/stats                 keys, calls, queue, limiter
//   GET  /api/scheduler/health                healthy | degraded | unhealthy, with reasons
//   POST /api/scheduler/keys/{id}/enable      needs Authorization: Bearer <admin token>
//   POST /api/scheduler/keys/{id}/disable     (optional body {"reason": "..."})
// With no admin token configured the admin endpoints answer 403.
void add_scheduler_routes(http::Router& router, Scheduler& scheduler, std::string admin_token);

// The same routes in a process that runs no scheduler (`tmon api` beside
// `tmon schedule`): 404 saying where the scheduler's endpoints are.
void add_scheduler_elsewhere_routes(http::Router& router);

// Constant-time comparison of a request's bearer token with the expected one.
bool bearer_matches(const http::Request& request, const std::string& expected);

}  // namespace tmon::schedule
