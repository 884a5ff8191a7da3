#pragma once

#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

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
class StreamProtocol {
 public:
  StreamProtocol(CameraManager& cameras, Clock& clock);
  ~StreamProtocol();

  void attach(http::Router& router, const std::string& path = "/ws");

  // The detection_result message for a frame (shared by every watcher).
  static std::string detection_message(const messages::DetectionResult& result);

 private:
  struct Client {
    std::weak_ptr<http::WebSocketSession> session;
    std::set<std::string> cameras;
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

  CameraManager& cameras_;
  Clock& clock_;
  int listener_ = 0;
  boost::asio::thread_pool slow_work_{1};  // opening and probing cameras takes seconds
  std::mutex mu_;
  std::map<http::WebSocketSession*, Client> clients_;
  std::map<std::string, int> started_here_;  // camera -> watchers, for cameras we started
};

// A server message: {"type": type, ...fields, "timestamp": ISO-8601}.
std::string protocol_message(const std::string& type, nlohmann::json fields, int64_t now_ms);

// 2026-11-28T03:04:05.678Z
std::string iso8601_utc(int64_t epoch_ms);

}  // namespace tmon::detect
