#include "detect/camera_routes.h"

namespace tmon::detect {
namespace {

using nlohmann::json;

http::Response envelope(http::Status status, json data) {
  const json body{{"code", static_cast<int>(status)}, {"msg", "OK"}, {"data", std::move(data)}};
  return http::json_response(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

json to_json(const CameraStatus& s) {
  return {{"cameraId", s.id},
          {"url", s.url},
          {"detector", s.detector},
          {"status", s.status},
          {"message", s.message},
          {"frameInterval", s.frame_interval_seconds},
          {"fps", s.fps},
          {"lastFrameTs", s.last_frame_ts},
          {"framesGrabbed", s.frames_grabbed},
          {"framesSampled", s.frames_sampled},
          {"framesDropped", s.frames_dropped},
          {"errors", s.errors}};
}

void add_camera_routes(http::Router& router, CameraManager& cameras) {
  router.add(http::Verb::get, "/api/cameras", [&cameras](http::RequestContext&) {
    json list = json::array();
    for (const auto& status : cameras.list()) list.push_back(to_json(status));
    return envelope(http::Status::ok, std::move(list));
  });
  router.add(http::Verb::post, "/api/cameras", [&cameras](http::RequestContext& context) {
    const json body = json::parse(context.request.body(), nullptr, false);
    if (!body.is_object()) {
      return http::error_response(http::Status::bad_request, "bad_body",
                                  "body must be a JSON object {cameraId, url, detector?, "
                                  "frameInterval?}");
    }
    CameraSpec spec;
    const auto string_field = [&](const char* name, std::string& out, bool required) -> bool {
      if (!body.contains(name) || body[name].is_null()) return !required;
      if (!body[name].is_string()) return false;
      out = body[name].get<std::string>();
      return !required || !out.empty();
    };
    if (!string_field("cameraId", spec.id, true)) {
      return http::error_response(http::Status::bad_request, "bad_camera_id",
                                  "cameraId: expected a non-empty string");
    }
    if (!string_field("url", spec.url, true)) {
      return http::error_response(http::Status::bad_request, "bad_url",
                                  "url: expected a non-empty string");
    }
    if (!string_field("detector", spec.detector, false)) {
      return http::error_response(http::Status::bad_request, "bad_detector",
                                  "detector: expected motion, yolo or hog");
    }
    if (body.contains("frameInterval") && !body["frameInterval"].is_null()) {
      if (!body["frameInterval"].is_number() || body["frameInterval"].get<double>() <= 0) {
        return http::error_response(http::Status::bad_request, "bad_frame_interval",
                                    "frameInterval: expected a number of seconds > 0");
      }
      spec.frame_interval_seconds = body["frameInterval"].get<double>();
    }
    if (auto added = cameras.add(spec); !added) {
      const bool taken = added.error().code == ErrorCode::kRejected;
      return http::error_response(taken ? http::Status::conflict : http::Status::bad_request,
                                  taken ? "camera_exists" : "bad_camera", added.error().message);
    }
    return envelope(http::Status::created, to_json(*cameras.status(spec.id)));
  });
  router.add(http::Verb::delete_, "/api/cameras/{id}", [&cameras](http::RequestContext& context) {
    const std::string& id = context.path_params.at("id");
    if (!cameras.remove(id)) {
      return http::error_response(http::Status::not_found, "unknown_camera", "no camera " + id);
    }
    return envelope(http::Status::ok, json{{"cameraId", id}, {"status", "removed"}});
  });
}

}  // namespace tmon::detect
