#pragma once

#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "detect/camera_manager.h"
#include "http/router.h"

namespace tmon::detect {

// /ws in the original system's protocol, so its front end keeps working.
//
// Client -> server: {"type":"ping"}, {"type":"start_stream","cameraId","rtspUrl"},
// {"type":"stop_stream","cameraId"}, {"type":"check_camera","cameraId","rtspUrl"}.
// Server -> client: connection_ack, pong, camera_status{cameraId,status,message},
// stream_stopped{cameraId,reason}, detection_result{cameraId, timestamp, frame,
// imageWidth, imageHeight, detectedObjects, trafficGroups, groupImages, ...},
// and error{message} for what it cannot understand.
//
// Watching is subscribing: any number of clients watching a camera share its
// one stream pull. A camera started by start_stream (not in the config or
// added through the API) is removed when its last watcher stops or leaves.
//
// With a result feed (subscribe_results), watchers also get a
// detection_result for every assessed view of the camera as soon as it is
// stored, carrying the risk assessment (hasDangerousDriving, maxRiskLevel,
// results, riskAssessment). Without a CameraManager (`tmon api`, where
// cameras are pulled elsewhere) start_stream only subscribes to those.
class StreamProtocol {
 public:
  // Hands one message to a watcher without blocking; `written` runs once it
  // is on the wire or dropped (api::LiveFeed::Deliver).
  using ResultDeliver =
      std::function<void(const std::string& message, std::function<void()> written)>;
  // Subscribes a watcher to a camera's assessed views; the handle
  // unsubscribes when destroyed (api::LiveFeed::subscribe fits).
  using ResultSubscriber =
      std::function<std::shared_ptr<void>(const std::string& camera_id, ResultDeliver deliver)>;

  StreamProtocol(CameraManager& cameras, Clock& clock);
  // No cameras here: start_stream subscribes to assessed results only.
  explicit StreamProtocol(Clock& clock);
  ~StreamProtocol();

  // Finishes the slow work in progress (opening, probing cameras) and takes
  // no more. Call before the HTTP server stops: that work holds WebSocket
  // sessions, which must not outlive the server's io_context.
  void stop() { slow_work_.join(); }

  // Where assessed views come from. Call once, before clients connect.
  void subscribe_results(ResultSubscriber results) { results_ = std::move(results); }
  void attach(http::Router& router, const std::string& path = "/ws");

  // The detection_result message for a frame (shared by every watcher).
  static std::string detection_message(const messages::DetectionResult& result);

 private:
  struct Client {
    std::weak_ptr<http::WebSocketSession> session;
    std::set<std::string> cameras;
    std::map<std::string, std::shared_ptr<void>> results;  // result-feed subscriptions
  };

  void open(const http::WebSocketSessionPtr& session);
  void handle(http::WebSocketSession* key, const std::string& text);
  void start_stream(http::WebSocketSession* key, const std::string& camera_id,
                    const std::string& url);
  void stop_stream(http::WebSocketSession* key, const std::string& camera_id,
                   const std::string& reason);
  void close(http::WebSocketSession* key);
  void send(http::WebSocketSession* key, const std::string& text);
  void on_result(const messages::DetectionResult& result);
  void on_status(const CameraStatus& status);
  // Unsubscribes; removes a camera this protocol started once nobody watches. Needs mu_.
  void release_locked(const std::string& camera_id, std::vector<std::string>& to_remove);
  void remove_later(std::vector<std::string> camera_ids);
  void check_camera(http::WebSocketSession* key, const std::string& camera_id,
                    const std::string& url);
  // A result-feed subscription for this watcher, or null without a feed.
  std::shared_ptr<void> subscribe_watcher(http::WebSocketSession* key,
                                          const std::string& camera_id);

  CameraManager* cameras_ = nullptr;  // null in an API-only process
  ResultSubscriber results_;
  Clock& clock_;
  int listener_ = 0;
  boost::asio::thread_pool slow_work_{1};  // opening and probing cameras takes seconds
  std::mutex mu_;
  std::map<http::WebSocketSession*, Client> clients_;
  std::map<std::string, int> started_here_;  // camera -> watchers, for cameras we started
};

// A server message: {"type": type, ...fields, "timestamp": ISO-8601}.
std::string protocol_message(const std::string& type, nlohmann::json fields, int64_t now_ms);

}  // namespace tmon::detect
