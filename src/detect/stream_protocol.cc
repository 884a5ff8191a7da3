#include "detect/stream_protocol.h"

#include <boost/asio/post.hpp>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "messages/codec.h"

namespace tmon::detect {
namespace {

using nlohmann::json;

std::string status_word(const CameraStatus& status) {
  // The original front end knows "streaming", "connecting" and "error".
  if (status.status == "ok") return "streaming";
  if (status.status == "starting") return "connecting";
  return status.status;
}

}  // namespace

std::string protocol_message(const std::string& type, json fields, int64_t now_ms) {
  fields["type"] = type;
  if (!fields.contains("timestamp")) fields["timestamp"] = iso8601_utc(now_ms);
  return fields.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string StreamProtocol::detection_message(const messages::DetectionResult& result) {
  json data = json::parse(messages::encode(result));
  // The original's names: the annotated frame is "frame", capture time "timestamp".
  data["frame"] = result.thumbnailBase64;
  data.erase("thumbnailBase64");
  data["timestamp"] = iso8601_utc(result.captureTs);
  return json{{"type", "detection_result"}, {"data", data}, {"cameraId", result.cameraId}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

StreamProtocol::StreamProtocol(CameraManager& cameras, Clock& clock)
    : cameras_(&cameras), clock_(clock) {
  listener_ = cameras_->add_listener([this](const auto& result) { on_result(result); },
                                     [this](const auto& status) { on_status(status); });
}

StreamProtocol::StreamProtocol(Clock& clock) : clock_(clock) {}

StreamProtocol::~StreamProtocol() {
  if (cameras_) cameras_->remove_listener(listener_);
  slow_work_.join();
  // Subscriptions end outside mu_: their destructors take the feed's lock.
  std::map<http::WebSocketSession*, Client> clients;
  {
    std::lock_guard lock(mu_);
    clients.swap(clients_);
  }
}

void StreamProtocol::attach(http::Router& router, const std::string& path) {
  router.add_websocket(path, [this](http::WebSocketSessionPtr session) { open(session); });
}

void StreamProtocol::open(const http::WebSocketSessionPtr& session) {
  http::WebSocketSession* key = session.get();
  {
    std::lock_guard lock(mu_);
    clients_[key] = Client{session, {}, {}};
  }
  session->on_message([this, key](const std::string& text) { handle(key, text); });
  session->on_close([this, key] { close(key); });
  session->send(protocol_message("connection_ack",
                                 {{"message", "connected to tmon"}, {"service", "tmon"}},
                                 clock_.epoch_ms()));
}

void StreamProtocol::send(http::WebSocketSession* key, const std::string& text) {
  std::shared_ptr<http::WebSocketSession> session;
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return;
    session = it->second.session.lock();
  }
  if (session) session->send(text);
}

void StreamProtocol::handle(http::WebSocketSession* key, const std::string& text) {
  const json message = json::parse(text, nullptr, false);
  const auto field = [&](const char* name) {
    return message.is_object() && message.contains(name) && message[name].is_string()
               ? message[name].get<std::string>()
               : std::string();
  };
  const std::string type = field("type");
  const std::string camera_id = field("cameraId");
  if (type == "ping") {
    send(key, protocol_message("pong", json::object(), clock_.epoch_ms()));
  } else if ((type == "start_stream" || type == "check_camera") && camera_id.empty()) {
    send(key,
         protocol_message("error", {{"message", type + " needs a cameraId"}}, clock_.epoch_ms()));
  } else if (type == "start_stream") {
    const std::string url = field("rtspUrl");
    boost::asio::post(slow_work_,
                      [this, key, camera_id, url] { start_stream(key, camera_id, url); });
  } else if (type == "stop_stream") {
    stop_stream(key, camera_id, "stopped by client");
  } else if (type == "check_camera") {
    const std::string url = field("rtspUrl");
    boost::asio::post(slow_work_,
                      [this, key, camera_id, url] { check_camera(key, camera_id, url); });
  } else {
    send(key, protocol_message(
                  "error",
                  {{"message", message.is_object() ? "unknown message type \"" + type + "\""
                                                   : std::string("messages must be JSON objects")}},
                  clock_.epoch_ms()));
  }
}

void StreamProtocol::check_camera(http::WebSocketSession* key, const std::string& camera_id,
                                  const std::string& url) {
  const auto known = cameras_ ? cameras_->status(camera_id) : std::nullopt;
  if (url.empty() && !known) {
    // Nothing to probe: an API-only process pulls no camera, and this one is not known here.
    send(key, protocol_message(
                  "camera_status",
                  {{"cameraId", camera_id},
                   {"status", "unknown"},
                   {"message", cameras_ ? "unknown camera and no rtspUrl to probe"
                                        : "this API process does not pull cameras; send rtspUrl "
                                          "to probe one"}},
                  clock_.epoch_ms()));
    return;
  }
  Status reachable;
  if (url.empty()) {
    reachable =
        known->status == "ok" ? Status{} : make_error(ErrorCode::kUnavailable, known->message);
  } else {
    reachable = probe_camera(url, Millis(8'000));
  }
  send(key,
       protocol_message("camera_status",
                        {{"cameraId", camera_id},
                         {"status", reachable ? "online" : "offline"},
                         {"message", reachable ? "camera answers" : reachable.error().message}},
                        clock_.epoch_ms()));
}

std::shared_ptr<void> StreamProtocol::subscribe_watcher(http::WebSocketSession* key,
                                                        const std::string& camera_id) {
  if (!results_) return nullptr;
  std::weak_ptr<http::WebSocketSession> weak;
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return nullptr;
    weak = it->second.session;
  }
  return results_(camera_id, [weak](const std::string& message, std::function<void()> written) {
    if (auto session = weak.lock()) {
      session->send(message, std::move(written));
    } else {
      written();
    }
  });
}

void StreamProtocol::start_stream(http::WebSocketSession* key, const std::string& camera_id,
                                  const std::string& url) {
  if (!cameras_) {
    // Cameras are pulled by other processes; watching here means their results.
    auto subscription = subscribe_watcher(key, camera_id);
    {
      std::lock_guard lock(mu_);
      const auto it = clients_.find(key);
      if (it == clients_.end()) return;  // the client left meanwhile
      it->second.cameras.insert(camera_id);
      if (subscription && !it->second.results.contains(camera_id)) {
        it->second.results.emplace(camera_id, std::move(subscription));
      }
    }
    std::string message = results_ ? "subscribed to risk assessments of this camera"
                                   : "this API process has no result feed";
    if (!url.empty()) message += "; rtspUrl ignored: this API process does not pull cameras";
    send(key, protocol_message("camera_status",
                               {{"cameraId", camera_id},
                                {"status", results_ ? "streaming" : "error"},
                                {"message", message}},
                               clock_.epoch_ms()));
    return;
  }
  bool ours = false;
  if (!cameras_->has(camera_id)) {
    if (url.empty()) {
      send(key, protocol_message("camera_status",
                                 {{"cameraId", camera_id},
                                  {"status", "error"},
                                  {"message", "unknown camera and no rtspUrl to open"}},
                                 clock_.epoch_ms()));
      return;
    }
    if (auto added = cameras_->add({camera_id, url, "", 0, true, ""}); !added) {
      send(key,
           protocol_message(
               "camera_status",
               {{"cameraId", camera_id}, {"status", "error"}, {"message", added.error().message}},
               clock_.epoch_ms()));
      return;
    }
    ours = true;
  }
  auto subscription = subscribe_watcher(key, camera_id);
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return;  // the client left meanwhile
    if (subscription && !it->second.results.contains(camera_id)) {
      it->second.results.emplace(camera_id, std::move(subscription));
    }
    if (it->second.cameras.insert(camera_id).second) {
      if (ours) {
        started_here_[camera_id] = 1;
      } else if (const auto started = started_here_.find(camera_id);
                 started != started_here_.end()) {
        ++started->second;
      }
    }
  }
  if (const auto status = cameras_->status(camera_id)) {
    send(key, protocol_message("camera_status",
                               {{"cameraId", camera_id},
                                {"status", status_word(*status)},
                                {"message", status->message}},
                               clock_.epoch_ms()));
  }
}

void StreamProtocol::release_locked(const std::string& camera_id,
                                    std::vector<std::string>& to_remove) {
  const auto started = started_here_.find(camera_id);
  if (started == started_here_.end()) return;
  if (--started->second <= 0) {
    started_here_.erase(started);
    to_remove.push_back(camera_id);
  }
}

void StreamProtocol::stop_stream(http::WebSocketSession* key, const std::string& camera_id,
                                 const std::string& reason) {
  std::vector<std::string> to_remove;
  std::shared_ptr<void> subscription;  // ends outside mu_
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end() || it->second.cameras.erase(camera_id) == 0) return;
    if (auto found = it->second.results.find(camera_id); found != it->second.results.end()) {
      subscription = std::move(found->second);
      it->second.results.erase(found);
    }
    release_locked(camera_id, to_remove);
  }
  send(key, protocol_message("stream_stopped", {{"cameraId", camera_id}, {"reason", reason}},
                             clock_.epoch_ms()));
  remove_later(to_remove);
}

void StreamProtocol::remove_later(std::vector<std::string> camera_ids) {
  // Removing a camera joins its grabber and waits for its analysis: not on
  // the connection's thread.
  if (camera_ids.empty()) return;
  boost::asio::post(slow_work_, [this, camera_ids = std::move(camera_ids)] {
    for (const auto& id : camera_ids) cameras_->remove(id);
  });
}

void StreamProtocol::close(http::WebSocketSession* key) {
  std::vector<std::string> to_remove;
  std::map<std::string, std::shared_ptr<void>> subscriptions;  // end outside mu_
  {
    std::lock_guard lock(mu_);
    const auto it = clients_.find(key);
    if (it == clients_.end()) return;
    for (const auto& camera_id : it->second.cameras) release_locked(camera_id, to_remove);
    subscriptions.swap(it->second.results);
    clients_.erase(it);
  }
  remove_later(std::move(to_remove));
}

void StreamProtocol::on_result(const messages::DetectionResult& result) {
  std::vector<std::shared_ptr<http::WebSocketSession>> watchers;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, client] : clients_) {
      if (!client.cameras.contains(result.cameraId)) continue;
      if (auto session = client.session.lock()) watchers.push_back(std::move(session));
    }
  }
  if (watchers.empty()) return;
  const std::string message = detection_message(result);  // once, for all watchers
  for (const auto& session : watchers) session->send(message);
}

void StreamProtocol::on_status(const CameraStatus& status) {
  std::vector<std::shared_ptr<http::WebSocketSession>> watchers;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, client] : clients_) {
      if (!client.cameras.contains(status.id)) continue;
      if (auto session = client.session.lock()) watchers.push_back(std::move(session));
    }
  }
  const std::string message = protocol_message(
      "camera_status",
      {{"cameraId", status.id}, {"status", status_word(status)}, {"message", status.message}},
      clock_.epoch_ms());
  for (const auto& session : watchers) session->send(message);
  if (status.status == "ended") {
    // A video file or folder that does not loop has played out.
    const std::string stopped = protocol_message(
        "stream_stopped", {{"cameraId", status.id}, {"reason", status.message}}, clock_.epoch_ms());
    for (const auto& session : watchers) session->send(stopped);
  }
}

}  // namespace tmon::detect
