#include "api/ws_protocol.h"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "api/detection_message.h"
#include "api/envelope.h"
#include "api/tcp_probe.h"
#include "common/logging.h"

namespace tmon::api {
namespace {

using messages::JsonValue;
using nlohmann::json;

// What an error message may quote of a client's text: it is untrusted input.
constexpr size_t kMaxQuoted = 64;

constexpr int kOffline = 0;
constexpr int kOnline = 1;
constexpr int kFault = 2;

std::optional<messages::CameraId> camera_id_of(const json& data) {
  const auto it = data.find("cameraId");
  if (it == data.end()) return std::nullopt;
  if (it->is_number_integer()) return messages::CameraId::integer(it->get<int64_t>());
  if (it->is_string() && !it->get_ref<const std::string&>().empty()) {
    return messages::CameraId(it->get<std::string>());
  }
  return std::nullopt;
}

std::string text_of(const json& data, const char* name) {
  const auto it = data.find(name);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string error_message(const std::string& message) {
  return ws_message("error", JsonValue{{"message", message}});
}

}  // namespace

WsProtocol::WsProtocol(CameraControl* cameras, LiveFeed* feed, Clock& clock, WsOptions options)
    : cameras_(cameras), feed_(feed), clock_(clock), options_(std::move(options)) {
  if (cameras_) {
    listener_ = cameras_->add_listener([this](const auto& frame) { on_frame(frame); },
                                       [this](const auto& camera) { on_state(camera); });
  }
  if (options_.remote) {
    // A camera pulled here streams from its own frames: a preview of it
    // (a watch taken before it moved here) is not shown twice.
    remote_listener_ = options_.remote->add_listener([this](const auto& frame) {
      if (!pulled_here(frame.cameraId.text())) on_frame(frame);
    });
  }
}

WsProtocol::~WsProtocol() {
  if (cameras_) cameras_->remove_listener(listener_);
  if (options_.remote) options_.remote->remove_listener(remote_listener_);
  slow_work_.join();
  // Feed subscriptions end outside mu_: their destructors take the feed's lock.
  std::map<Key, Client> clients;
  {
    std::lock_guard lock(mu_);
    clients.swap(clients_);
  }
}

void WsProtocol::attach(http::Router& router, const std::string& path) {
  router.add_websocket(path, [this](http::WebSocketSessionPtr session) { open(session); });
}

size_t WsProtocol::clients() const {
  std::lock_guard lock(mu_);
  return clients_.size();
}

void WsProtocol::open(const http::WebSocketSessionPtr& session) {
  const Key key = session.get();
  {
    std::lock_guard lock(mu_);
    clients_[key] = Client{session, session->grant().may_control, {}, {}, {}};
  }
  session->on_message([this, key](const std::string& text) { handle(key, text); });
  session->on_close([this, key] { close(key); });
  session->send(ws_message("connection_ack", JsonValue{{"message", "WS connected (pipeline ready)"},
                                                       {"service", "tmon"}}));
}

void WsProtocol::send(Key key, const std::string& text) {
  std::shared_ptr<http::WebSocketSession> session;
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return;
    session = it->second.session.lock();
  }
  if (session) session->send(text);
}

void WsProtocol::send_status(Key key, const messages::CameraId& id, int status,
                             const std::string& message) {
  send(key, ws_message("camera_status", JsonValue{{"cameraId", messages::to_json(id)},
                                                  {"status", status},
                                                  {"message", message}}));
}

void WsProtocol::handle(Key key, const std::string& text) {
  const json message = json::parse(text, nullptr, false);
  if (!message.is_object()) {
    send(key, error_message(R"(messages are JSON objects {"type": ..., "data": {...}})"));
    return;
  }
  const std::string type = text_of(message, "type");
  // The original puts the fields under data; tmon's first protocol had them
  // beside type, which is still understood.
  const auto data_it = message.find("data");
  const json& data = data_it != message.end() && data_it->is_object() ? *data_it : message;
  if (type == "ping") {
    send(key, ws_message("pong", JsonValue::object()));
    return;
  }
  if (type != "start_stream" && type != "stop_stream" && type != "check_camera") {
    send(key, error_message("unknown message type \"" + type.substr(0, kMaxQuoted) + "\""));
    return;
  }
  const auto id = camera_id_of(data);
  if (!id) {
    send(key, error_message(type + " needs data.cameraId (a string or an integer)"));
    return;
  }
  const std::string url = text_of(data, "rtspUrl");
  if (type != "stop_stream" && !may_control(key, *id, type, url)) {
    send(key, error_message(type + ": not allowed on this connection (connect with an admin "
                                   "credential or from an allowed origin)"));
    if (type == "start_stream") send_status(key, *id, kFault, "not allowed");
    return;
  }
  if (type == "stop_stream") {
    stop_stream(key, *id);
  } else if (type == "start_stream") {
    boost::asio::post(slow_work_, [this, key, id = *id, url] { start_stream(key, id, url); });
  } else {
    boost::asio::post(slow_work_, [this, key, id = *id, url] { check_camera(key, id, url); });
  }
}

bool WsProtocol::may_control(Key key, const std::string& camera_id, const std::string& type,
                             const std::string& url) const {
  std::lock_guard lock(mu_);
  const auto it = clients_.find(key);
  if (it == clients_.end()) return false;
  if (it->second.may_control) return true;
  // Watching what is pulled already (or, without cameras here, its assessed
  // views) opens nothing; a URL to open or probe does.
  if (type == "start_stream") {
    return url.empty() || !cameras_ ||
           (cameras_->has(camera_id) && !it->second.cameras.contains(camera_id));
  }
  return url.empty();  // check_camera of a known camera tells its state
}

LiveFeed::SubscriptionPtr WsProtocol::subscribe_views(Key key, const std::string& camera_id) {
  if (!feed_) return nullptr;
  std::weak_ptr<http::WebSocketSession> weak;
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return nullptr;
    weak = it->second.session;
  }
  return feed_->subscribe(
      camera_id, [weak, remote = options_.remote, camera_id](const std::string& message,
                                                             std::function<void()> written) {
        // Frames of a remote camera carry its newest assessment already: its
        // views are not pushed beside them.
        if (remote && remote->streaming(camera_id)) return written();
        if (auto session = weak.lock()) {
          session->send(message, std::move(written));
        } else {
          written();
        }
      });
}

void WsProtocol::watch_remote(Key key, const messages::CameraId& id) {
  auto watch = options_.remote->watch(id);
  if (!watch) {
    send_status(key, id, kFault, watch.error().message);
    return;
  }
  auto subscription = subscribe_views(key, id);
  // What this replaces (a start_stream again) ends outside mu_.
  LiveFeed::SubscriptionPtr replaced_view;
  RemoteCameras::WatchPtr replaced_watch;
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return;  // the client left meanwhile
    // Another watcher of a camera a start_stream here registered (pulled
    // elsewhere): it stays until this one leaves too.
    if (const auto started = started_here_.find(id);
        started != started_here_.end() && !it->second.cameras.contains(id)) {
      ++started->second.watchers;
    }
    it->second.cameras.insert(id);
    replaced_view = std::exchange(it->second.views[id], std::move(subscription));
    replaced_watch = std::exchange(it->second.remote[id], std::move(*watch));
  }
  send_status(key, id, kOnline, "Stream started");
}

bool WsProtocol::pulled_here(const std::string& camera_id) const {
  if (!cameras_) return false;
  return options_.pulled_here ? options_.pulled_here(camera_id) : cameras_->has(camera_id);
}

void WsProtocol::start_stream(Key key, const messages::CameraId& id, const std::string& url) {
  // A camera pulled by another process is watched there, never pulled twice:
  // one another process announces, or one of the deployment's registry that
  // is not pulled here.
  if (options_.remote && !pulled_here(id) &&
      (!cameras_ || cameras_->has(id) || options_.remote->pulled_elsewhere(id))) {
    watch_remote(key, id);
    return;
  }
  if (!cameras_) {
    // Cameras are pulled by other processes: watching here means their
    // assessed views.
    auto subscription = subscribe_views(key, id);
    LiveFeed::SubscriptionPtr replaced;  // ends outside mu_
    {
      std::lock_guard lock(mu_);
      const auto it = clients_.find(key);
      if (it == clients_.end()) return;  // the client left meanwhile
      it->second.cameras.insert(id);
      replaced = std::exchange(it->second.views[id], std::move(subscription));
    }
    send_status(key, id, kOnline, "Stream started");
    return;
  }
  bool watching = false;
  std::optional<Started> ours;
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return;
    watching = it->second.cameras.contains(id);
    if (const auto started = started_here_.find(id); started != started_here_.end()) {
      ours = started->second;
    }
  }
  if (watching && ours) {
    // A restart of the camera this connection started, with the new URL if
    // one is given; its other watchers stay subscribed.
    const std::string reopen = url.empty() ? ours->url : url;
    cameras_->release(id);
    if (auto added = cameras_->add({id, reopen, "", 0, true}); !added) {
      send_status(key, id, kFault, added.error().message);
      return;
    }
    std::lock_guard lock(mu_);
    if (const auto started = started_here_.find(id); started != started_here_.end()) {
      started->second.url = reopen;
    }
  } else if (!watching) {
    bool opened = false;
    if (!cameras_->has(id)) {
      if (url.empty()) {
        send_status(key, id, kFault, "unknown camera and no rtspUrl to open");
        return;
      }
      if (auto added = cameras_->add({id, url, "", 0, true}); !added) {
        send_status(key, id, kFault, added.error().message);
        return;
      }
      opened = true;
    }
    // Registered in the deployment's registry, the new camera may be pulled
    // by another process: watch its previews too (frames pulled here are not
    // shown twice, see the remote listener).
    RemoteCameras::WatchPtr remote_watch;
    if (opened && options_.remote && !pulled_here(id)) {
      if (auto watch = options_.remote->watch(id)) remote_watch = std::move(*watch);
    }
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) {
      if (opened) remove_later({id});
      return;
    }
    it->second.cameras.insert(id);
    if (remote_watch) it->second.remote[id] = std::move(remote_watch);
    if (opened) {
      started_here_[id] = Started{1, url};
    } else if (const auto started = started_here_.find(id); started != started_here_.end()) {
      ++started->second.watchers;
    }
  }
  send_status(key, id, kOnline, "Stream started");
  // A source that failed before this client watched it (even before the
  // start returned: opening fails fast) would otherwise go untold until it
  // recovers.
  if (const auto camera = cameras_->info(id); camera && camera->state == CameraState::kError) {
    send_status(key, id, kFault, camera->message);
  }
}

void WsProtocol::release_locked(const std::string& camera_id, std::vector<std::string>& to_remove) {
  const auto started = started_here_.find(camera_id);
  if (started == started_here_.end()) return;
  if (--started->second.watchers <= 0) {
    started_here_.erase(started);
    to_remove.push_back(camera_id);
  }
}

void WsProtocol::stop_stream(Key key, const messages::CameraId& id) {
  std::vector<std::string> to_remove;
  LiveFeed::SubscriptionPtr subscription;  // ends outside mu_
  RemoteCameras::WatchPtr watch;           // likewise
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return;
    if (it->second.cameras.erase(id) > 0) {
      if (const auto view = it->second.views.find(id); view != it->second.views.end()) {
        subscription = std::move(view->second);
        it->second.views.erase(view);
      }
      if (const auto remote = it->second.remote.find(id); remote != it->second.remote.end()) {
        watch = std::move(remote->second);
        it->second.remote.erase(remote);
      }
      release_locked(id, to_remove);
    }
  }
  // Answered whether or not it was watched, as the original does.
  send(key, ws_message("stream_stopped", JsonValue{{"cameraId", messages::to_json(id)},
                                                   {"reason", "Stopped by client"}}));
  remove_later(std::move(to_remove));
}

void WsProtocol::check_camera(Key key, const messages::CameraId& id, const std::string& url) {
  const SteadyTime started = clock_.now();
  Status reachable;
  if (!url.empty()) {
    // Without cameras here there is no decoder to open the stream with: the
    // server answering is what can be told.
    if (!cameras_ && options_.check_source) reachable = options_.check_source(url);
    if (reachable) {
      reachable = cameras_ ? cameras_->probe(url, options_.probe_timeout)
                           : probe_tcp(url, options_.probe_timeout);
    }
  } else if (const auto known = cameras_ ? cameras_->info(id) : std::nullopt) {
    reachable = known->state == CameraState::kOk
                    ? Status{}
                    : make_error(ErrorCode::kUnavailable, known->message);
  } else {
    reachable = make_error(ErrorCode::kInvalidArgument,
                           "no rtspUrl to probe, and the camera is not pulled here");
  }
  const auto took = std::chrono::duration_cast<Millis>(clock_.now() - started);
  JsonValue data{{"cameraId", messages::to_json(id)},
                 {"status", reachable ? kOnline : kOffline},
                 {"message", reachable ? "Online" : "Offline"},
                 {"latencyMs", took.count()}};
  if (!reachable) data["reason"] = reachable.error().message;
  send(key, ws_message("camera_status", data));
}

void WsProtocol::remove_later(std::vector<std::string> camera_ids) {
  // Removing a camera joins its grabber and waits for its analysis: not on
  // the connection's thread.
  if (camera_ids.empty() || !cameras_) return;
  boost::asio::post(slow_work_, [this, camera_ids = std::move(camera_ids)] {
    for (const auto& id : camera_ids) {
      cameras_->release(id);
      std::lock_guard lock(mu_);
      states_.erase(id);
    }
  });
}

void WsProtocol::close(Key key) {
  std::vector<std::string> to_remove;
  std::map<std::string, LiveFeed::SubscriptionPtr> subscriptions;  // end outside mu_
  std::map<std::string, RemoteCameras::WatchPtr> watches;          // likewise
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return;
    for (const auto& camera_id : it->second.cameras) release_locked(camera_id, to_remove);
    subscriptions.swap(it->second.views);
    watches.swap(it->second.remote);
    clients_.erase(it);
  }
  pacer_->forget(key);
  remove_later(std::move(to_remove));
}

std::vector<std::shared_ptr<http::WebSocketSession>> WsProtocol::watchers(
    const std::string& camera_id) {
  std::vector<std::shared_ptr<http::WebSocketSession>> sessions;
  std::lock_guard lock(mu_);
  for (const auto& [key, client] : clients_) {
    if (!client.cameras.contains(camera_id)) continue;
    if (auto session = client.session.lock()) sessions.push_back(std::move(session));
  }
  return sessions;
}

void WsProtocol::on_frame(const messages::DetectionResult& frame) {
  const auto sessions = watchers(frame.cameraId);
  if (sessions.empty()) return;
  const auto assessment = feed_ ? feed_->newest(frame.cameraId) : nullptr;
  const auto classes =
      options_.classes_of ? options_.classes_of(frame.modelType) : std::vector<std::string>{};
  // Built once, for every watcher.
  const auto message = std::make_shared<const std::string>(
      ws_message("detection_result",
                 detection_result_data(frame, assessment.get(), classes, clock_.epoch_ms())));
  for (const auto& session : sessions) {
    pacer_->offer(session.get(), frame.cameraId, message,
                  [weak = std::weak_ptr<http::WebSocketSession>(session)](
                      std::string text, std::function<void()> written) {
                    // Gone: close() forgets it; the frame waiting goes with it.
                    if (auto alive = weak.lock()) alive->send(std::move(text), std::move(written));
                  });
  }
}

void WsProtocol::on_state(const CameraInfo& camera) {
  CameraState previous = CameraState::kStarting;
  {
    std::lock_guard lock(mu_);
    auto [it, created] = states_.try_emplace(camera.id, camera.state);
    if (!created) previous = std::exchange(it->second, camera.state);
  }
  std::vector<std::string> out;
  const auto status = [&](int code, const std::string& message) {
    out.push_back(ws_message("camera_status", JsonValue{{"cameraId", messages::to_json(camera.id)},
                                                        {"status", code},
                                                        {"message", message}}));
  };
  switch (camera.state) {
    case CameraState::kError:
      if (previous != CameraState::kError) status(kFault, camera.message);
      break;
    case CameraState::kOk:
      if (previous == CameraState::kError) status(kOnline, "Stream recovered");
      break;
    case CameraState::kEnded:
      // A video file or folder that does not loop has played out.
      status(kOffline, camera.message);
      out.push_back(ws_message(
          "stream_stopped",
          JsonValue{{"cameraId", messages::to_json(camera.id)}, {"reason", camera.message}}));
      break;
    case CameraState::kStarting:
      break;
  }
  if (out.empty()) return;
  for (const auto& session : watchers(camera.id)) {
    for (const auto& message : out) session->send(message);
  }
}

}  // namespace tmon::api
