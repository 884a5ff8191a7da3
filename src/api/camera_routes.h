#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "api/camera_control.h"
#include "http/router.h"
#include "messages/codec.h"

namespace tmon::api {

// Camera management over HTTP, in the API's {code, msg, data} envelope:
//   POST   /api/cameras        {cameraId, url, detector?, frameInterval?} -> 201
//   PUT    /api/cameras/{id}   the same body (cameraId optional) -> 200
//   DELETE /api/cameras/{id}
//   GET    /api/cameras         status, fps, last frame time, errors of each
// cameraId is a string or an integer (the original's) and comes back in the
// type it was given. Bad input is a 400 with a message (frameInterval
// outside [0.05, 3600] s; a source outside detection.allowed_sources, with
// one message whatever the reason; a detector not in
// messages::kDetectorNames; a PUT whose body names another camera than its
// path); an id in use, 409; more than detection.max_cameras, 429; unknown,
// 404; a registry that cannot be written, 503. URLs are shown masked.
// Adding and removing run on `slow` (opening a source, joining its grabber),
// never on the connection's thread.
void add_camera_routes(http::Router& router, CameraControl& cameras,
                       boost::asio::any_io_executor slow);

// The camera routes of an API process that follows no camera registry
// (`tmon api` on an embedded broker, which no other process can reach): GET
// lists no camera; POST, PUT and DELETE answer 503 `no_registry` with
// `reason` (what to configure), rather than a 404 for routes that exist.
void add_unshared_camera_routes(http::Router& router, std::string reason);

messages::JsonValue to_json(const CameraInfo& camera);

}  // namespace tmon::api
