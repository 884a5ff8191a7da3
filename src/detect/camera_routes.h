#pragma once

#include <nlohmann/json.hpp>

#include "detect/camera_manager.h"
#include "http/router.h"

namespace tmon::detect {

// Camera management over HTTP, in the API's {code, msg, data} envelope:
//   POST   /api/cameras        {cameraId, url, detector?, frameInterval?} -> 201
//   DELETE /api/cameras/{id}
//   GET    /api/cameras         status, fps, last frame time, errors of each
// Bad input is a 400 with a message; an id in use, 409; unknown, 404.
void add_camera_routes(http::Router& router, CameraManager& cameras);

nlohmann::json to_json(const CameraStatus& status);

}  // namespace tmon::detect
