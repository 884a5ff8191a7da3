#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "e2e/api_probe.h"
#include "messages/frame_view.h"
#include "store/redis_subscriber.h"
#include "store/result_store.h"

namespace tmon::e2e {

// Where the check learns that a frame's view was stored. Live views may be
// missed: a store publishes a view only when it becomes the camera's latest,
// so a frame finished after a newer one shows up in history() alone.
class ViewFollower {
 public:
  virtual ~ViewFollower() = default;
  // Views that arrived since the last call. Never blocks for long.
  virtual std::vector<messages::FrameView> take() = 0;
  // The camera's stored views captured at or after since_ts.
  virtual Result<std::vector<messages::FrameView>> history(int64_t since_ts) = 0;
  // "Redis 127.0.0.1:6379/0" or "the API at http://...": for the report.
  virtual std::string describe() const = 0;
};
using ViewFollowerPtr = std::unique_ptr<ViewFollower>;

// Subscribes to camera:<id> on Redis and reads its history there. Returns
// once subscribed, or an error when Redis did not answer within `timeout`.
Result<ViewFollowerPtr> follow_views_in_redis(const std::string& redis_url,
                                              const std::string& camera_id, Millis timeout);

// Polls GET /api/cameras/<id>/history on the API every `interval`, from
// `since_ts`: for a pipeline that keeps its results in process memory, or
// when Redis cannot be reached. Fails when the API does not answer.
Result<ViewFollowerPtr> follow_views_through_api(const std::string& api_url,
                                                 const std::string& camera_id, int64_t since_ts,
                                                 Millis interval = Millis(500));

// The PSUBSCRIBE pattern that matches exactly channel camera:<id>, with
// glob characters in the id escaped.
std::string exact_channel_pattern(const std::string& camera_id);

}  // namespace tmon::e2e
