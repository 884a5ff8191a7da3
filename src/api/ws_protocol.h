#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/camera_control.h"
#include "api/frame_pacer.h"
#include "api/live_feed.h"
#include "api/remote_cameras.h"
#include "common/clock.h"
#include "http/router.h"
#include "messages/codec.h"

namespace tmon::api {

struct WsOptions {
  Millis probe_timeout{5'000};  // check_camera's budget, as the original's
  ClassesOf classes_of;         // supportedClasses of a detector
  // The source allow-list, for probes of a process without cameras (with
  // cameras, CameraControl checks it); null: any.
  std::function<Status(const std::string& url)> check_source;
  // Cameras pulled by other processes, watched through their previews
  // (null: only cameras pulled here have frames). Must outlive the protocol.
  RemoteCameras* remote = nullptr;
  // Whether a camera is pulled by this process. Null: CameraControl::has()
  // (a control over this process's cameras only). With the fleet's registry
  // control, has() is true for every camera of the deployment, so the
  // process says which of them it pulls itself.
  std::function<bool(const std::string& camera_id)> pulled_here;
};

// /ws in the original system's protocol (COMPAT.md §1), so its front end
// keeps working. Every message, both ways, is {"type": T, "data": {...}};
// cameraId is an integer or a string and is answered in the type it came in.
//
// Client -> server: ping; start_stream {cameraId, rtspUrl, cameraName?}
// (start, or restart when this connection started it already);
// stop_stream {cameraId}; check_camera {cameraId, rtspUrl}.
// Server -> client: connection_ack {message}; pong {}; camera_status
// {cameraId, status, message} with status 1 online ("Stream started",
// "Online"), 0 offline, 2 fault (with the reason); stream_stopped {cameraId,
// reason}; detection_result (detection_message.h) for every frame of a
// watched camera; error {message} for what it cannot understand. Malformed
// JSON or an unknown type is answered, never a reason to close the socket.
//
// Watching is subscribing: any number of clients watching a camera share its
// one stream pull. A camera started by start_stream (not in the config or
// added through the API) is removed when its last watcher stops or leaves.
// Frames of cameras pulled here carry the risk of the camera's newest
// assessment, pushed live by the aggregator through the feed. A camera not
// pulled here (always, in `tmon api`) is watched remotely when it is pulled
// elsewhere (options.remote): its frames come from the process pulling it
// and take the same way as local ones; its assessed views become
// detection_results of their own only while no such frame comes (or
// without options.remote). start_stream never opens a second pull of a
// camera pulled elsewhere.
//
// Every client message goes through one place (handle()), which checks the
// grant of the connection's upgrade: opening a source that is not pulled
// yet, restarting one, and probing a URL need control (an admin credential
// or an allowed browser origin, http/access.h); watching a camera that is
// pulled already, stop_stream and ping need nothing more than the upgrade.
class WsProtocol {
 public:
  // `cameras` null: an API process that pulls no camera. `feed` null: no
  // assessments (frames go out without risk).
  WsProtocol(CameraControl* cameras, LiveFeed* feed, Clock& clock, WsOptions options = {});
  ~WsProtocol();
  WsProtocol(const WsProtocol&) = delete;
  WsProtocol& operator=(const WsProtocol&) = delete;

  // Finishes the slow work in progress (opening, probing cameras) and takes
  // no more. Call before the HTTP server stops: that work holds WebSocket
  // sessions, which must not outlive the server's io_context.
  void stop() { slow_work_.join(); }

  void attach(http::Router& router, const std::string& path = "/ws");
  // Where slow camera work runs (also for the REST camera routes).
  boost::asio::any_io_executor slow_executor() { return slow_work_.get_executor(); }

  // Connections open now (their close handled).
  size_t clients() const;

 private:
  struct Client {
    std::weak_ptr<http::WebSocketSession> session;
    // Granted at the upgrade (http::WsGrant): may open and probe sources.
    bool may_control = false;
    std::set<std::string> cameras;                           // watched, by id text
    std::map<std::string, LiveFeed::SubscriptionPtr> views;  // feed subscriptions
    std::map<std::string, RemoteCameras::WatchPtr> remote;   // cameras pulled elsewhere
  };
  using Key = http::WebSocketSession*;

  void open(const http::WebSocketSessionPtr& session);
  // Whether this client may do `type` with `url` (handle()'s check).
  bool may_control(Key key, const std::string& camera_id, const std::string& type,
                   const std::string& url) const;
  void handle(Key key, const std::string& text);
  void start_stream(Key key, const messages::CameraId& id, const std::string& url);
  void stop_stream(Key key, const messages::CameraId& id);
  void check_camera(Key key, const messages::CameraId& id, const std::string& url);
  void close(Key key);
  void send(Key key, const std::string& text);
  void send_status(Key key, const messages::CameraId& id, int status, const std::string& message);
  void on_frame(const messages::DetectionResult& frame);
  void on_state(const CameraInfo& camera);
  std::vector<std::shared_ptr<http::WebSocketSession>> watchers(const std::string& camera_id);
  // Subscribes the client to a camera's assessed views (cameras not pulled here).
  LiveFeed::SubscriptionPtr subscribe_views(Key key, const std::string& camera_id);
  // Watches a camera pulled by another process: its frames and views.
  void watch_remote(Key key, const messages::CameraId& id);
  bool pulled_here(const std::string& camera_id) const;
  // Removes a camera this protocol started once nobody watches it. Needs mu_.
  void release_locked(const std::string& camera_id, std::vector<std::string>& to_remove);
  void remove_later(std::vector<std::string> camera_ids);

  CameraControl* cameras_;
  LiveFeed* feed_;
  Clock& clock_;
  WsOptions options_;
  int listener_ = 0;
  int remote_listener_ = 0;
  boost::asio::thread_pool slow_work_{1};  // opening and probing cameras takes seconds
  mutable std::mutex mu_;
  std::map<Key, Client> clients_;
  // Cameras this protocol started: how many watch them, and the URL they
  // were opened with (the one a restart reopens; CameraInfo's is masked).
  struct Started {
    int watchers = 0;
    std::string url;
  };
  std::map<std::string, Started> started_here_;
  std::map<std::string, CameraState> states_;  // last state told to watchers, per camera
  // Frames go to each watcher one at a time per camera, the newest next.
  std::shared_ptr<FramePacer> pacer_ = std::make_shared<FramePacer>();
};

}  // namespace tmon::api
