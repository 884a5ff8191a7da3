#pragma once

#include "api/camera_control.h"
#include "http/router.h"
#include "messages/codec.h"

namespace tmon::api {

// Camera management over HTTP, in the API's {code, msg, data} envelope:
//   POST   /api/cameras        {cameraId, url, detector?, frameInterval?} -> 201
//   DELETE /api/cameras/{id}
//   GET    /api/cameras         status, fps, last frame time, errors of each
// cameraId is a string or an integer (the original's) and comes back in the
// type it was given. Bad input is a 400 with a message; an id in use, 409;
// unknown, 404.
void add_camera_routes(http::Router& router, CameraControl& cameras);

messages::JsonValue to_json(const CameraInfo& camera);

}  // namespace tmon::api
