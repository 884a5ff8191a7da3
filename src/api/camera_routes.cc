#include "api/camera_routes.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <variant>

#include "api/envelope.h"
#include "common/url_redaction.h"
#include "messages/detector_names.h"

namespace tmon::api {
namespace {

using messages::JsonValue;

// A cameraId given as a JSON string or integer.
std::optional<messages::CameraId> camera_id_of(const nlohmann::json& value) {
  if (value.is_number_integer()) return messages::CameraId::integer(value.get<int64_t>());
  if (value.is_string() && !value.get_ref<const std::string&>().empty()) {
    return messages::CameraId(value.get<std::string>());
  }
  return std::nullopt;
}

http::Response bad_request(std::string_view code, std::string_view message) {
  return http::error_response(http::Status::bad_request, code, message);
}

// The body of POST and PUT: {cameraId?, url, detector?, frameInterval?}, or
// the 400 that says what is wrong with it. `path_id` (PUT) names the camera;
// a cameraId in the body must then name the same one.
std::variant<CameraRequest, http::Response> parse_camera_request(
    const http::RequestContext& context, const std::optional<std::string>& path_id) {
  const auto body = nlohmann::json::parse(context.request.body(), nullptr, false);
  if (!body.is_object()) {
    return bad_request("bad_body",
                       "body must be a JSON object {cameraId, url, detector?, frameInterval?}");
  }
  CameraRequest request;
  const auto id = body.contains("cameraId") ? camera_id_of(body["cameraId"]) : std::nullopt;
  if (path_id) {
    if (body.contains("cameraId") && (!id || id->text() != *path_id)) {
      return bad_request(
          "camera_id_mismatch",
          "cameraId in the body must be the camera of the path, " + path_id->substr(0, 64));
    }
    request.id = id ? *id : messages::CameraId(*path_id);
  } else if (!id) {
    return bad_request("bad_camera_id", "cameraId: expected a non-empty string or an integer");
  } else {
    request.id = *id;
  }
  const auto text = [&](const char* name, std::string& out) {
    if (!body.contains(name) || body[name].is_null()) return true;
    if (!body[name].is_string()) return false;
    out = body[name].get<std::string>();
    return true;
  };
  if (!text("url", request.url) || request.url.empty()) {
    return bad_request("bad_url", "url: expected a non-empty string");
  }
  if (!text("detector", request.detector) ||
      (!request.detector.empty() && !messages::is_detector_name(request.detector))) {
    return bad_request("bad_detector", "detector: expected " + messages::detector_names_text());
  }
  if (body.contains("frameInterval") && !body["frameInterval"].is_null()) {
    const auto& interval = body["frameInterval"];
    if (!interval.is_number() || !(interval.get<double>() >= kMinFrameIntervalSeconds &&
                                   interval.get<double>() <= kMaxFrameIntervalSeconds)) {
      return bad_request("bad_frame_interval",
                         "frameInterval: expected a number of seconds from 0.05 to 3600");
    }
    request.frame_interval_seconds = body["frameInterval"].get<double>();
  }
  return request;
}

// The camera as it is now, after a change of it was answered.
http::Response camera_now(CameraControl& cameras, const messages::CameraId& id,
                          http::Status status) {
  const auto info = cameras.info(id);
  if (!info) {  // removed by someone else in between
    return http::error_response(http::Status::conflict, "camera_gone",
                                "camera " + id.text().substr(0, 64) + " was removed meanwhile");
  }
  return envelope(status, to_json(*info));
}

http::Response add_camera(CameraControl& cameras, const http::RequestContext& context) {
  auto parsed = parse_camera_request(context, std::nullopt);
  if (auto* refused = std::get_if<http::Response>(&parsed)) return std::move(*refused);
  const auto& request = std::get<CameraRequest>(parsed);
  if (auto added = cameras.add(request); !added) {
    if (added.error().code == ErrorCode::kRejected) {
      return http::error_response(http::Status::conflict, "camera_exists", added.error().message);
    }
    if (added.error().code == ErrorCode::kUnavailable) {
      return http::error_response(http::Status::too_many_requests, "too_many_cameras",
                                  added.error().message);
    }
    return http::error_response(http::Status::bad_request, "bad_camera", added.error().message);
  }
  return camera_now(cameras, request.id, http::Status::created);
}

http::Response replace_camera(CameraControl& cameras, const http::RequestContext& context,
                              const std::string& id) {
  auto parsed = parse_camera_request(context, id);
  if (auto* refused = std::get_if<http::Response>(&parsed)) return std::move(*refused);
  const auto& request = std::get<CameraRequest>(parsed);
  if (auto replaced = cameras.replace(request); !replaced) {
    switch (replaced.error().code) {
      case ErrorCode::kNotFound:
        return http::error_response(http::Status::not_found, "unknown_camera",
                                    "no camera " + id.substr(0, 64));
      case ErrorCode::kInvalidArgument:
      case ErrorCode::kRejected:
        return http::error_response(http::Status::bad_request, "bad_camera",
                                    replaced.error().message);
      default:  // the registry could not be written
        return http::error_response(http::Status::service_unavailable, "not_written",
                                    replaced.error().message);
    }
  }
  return camera_now(cameras, request.id, http::Status::ok);
}

}  // namespace

JsonValue to_json(const CameraInfo& camera) {
  JsonValue owner = camera.owner ? JsonValue(*camera.owner) : JsonValue();
  JsonValue age = camera.last_frame_age_ms ? JsonValue(*camera.last_frame_age_ms) : JsonValue();
  return JsonValue{{"cameraId", messages::to_json(camera.id)},
                   {"url", mask_url_credentials(camera.url)},
                   {"detector", camera.detector},
                   {"status", to_string(camera.state)},
                   {"message", camera.message},
                   {"frameInterval", camera.frame_interval_seconds},
                   {"fps", camera.fps},
                   {"lastFrameTs", camera.last_frame_ts},
                   {"framesGrabbed", camera.frames_grabbed},
                   {"framesSampled", camera.frames_sampled},
                   {"framesDropped", camera.frames_dropped},
                   {"errors", camera.errors},
                   {"owner", std::move(owner)},
                   {"lastFrameAgeMs", std::move(age)},
                   {"name", camera.name},
                   {"location", camera.location},
                   {"ephemeral", camera.ephemeral}};
}

namespace {

boost::asio::awaitable<http::Response> run_work(std::function<http::Response()> work) {
  co_return work();
}

// Runs `work` on the slow executor and resumes the connection with its
// answer. (No lambda coroutine: its captures would not live in its frame.)
boost::asio::awaitable<http::Response> off_io_thread(boost::asio::any_io_executor slow,
                                                     std::function<http::Response()> work) {
  co_return co_await boost::asio::co_spawn(slow, run_work(std::move(work)),
                                           boost::asio::use_awaitable);
}

}  // namespace

void add_camera_routes(http::Router& router, CameraControl& cameras,
                       boost::asio::any_io_executor slow) {
  router.add(http::Verb::get, "/api/cameras", [&cameras](http::RequestContext&) {
    JsonValue list = JsonValue::array();
    for (const auto& camera : cameras.list()) list.push_back(to_json(camera));
    return envelope(http::Status::ok, std::move(list));
  });
  router.add_async(
      http::Verb::post, "/api/cameras", [&cameras, slow](http::RequestContext& context) {
        return off_io_thread(slow, [&cameras, &context] { return add_camera(cameras, context); });
      });
  router.add_async(http::Verb::put, "/api/cameras/{id}",
                   [&cameras, slow](http::RequestContext& context) {
                     return off_io_thread(slow, [&cameras, &context] {
                       return replace_camera(cameras, context, context.path_params.at("id"));
                     });
                   });
  router.add_async(
      http::Verb::delete_, "/api/cameras/{id}", [&cameras, slow](http::RequestContext& context) {
        return off_io_thread(slow, [&cameras, id = context.path_params.at("id")] {
          const auto info = cameras.info(id);
          if (!info || !cameras.remove(id)) {
            return http::error_response(http::Status::not_found, "unknown_camera",
                                        "no camera " + id.substr(0, 64));
          }
          return envelope(http::Status::ok, JsonValue{{"cameraId", messages::to_json(info->id)},
                                                      {"status", "removed"}});
        });
      });
}

void add_unshared_camera_routes(http::Router& router, std::string reason) {
  router.add(http::Verb::get, "/api/cameras",
             [](http::RequestContext&) { return envelope(http::Status::ok, JsonValue::array()); });
  const auto refuse = [reason = std::move(reason)](http::RequestContext&) {
    return http::error_response(http::Status::service_unavailable, "no_registry", reason);
  };
  router.add(http::Verb::post, "/api/cameras", refuse);
  router.add(http::Verb::put, "/api/cameras/{id}", refuse);
  router.add(http::Verb::delete_, "/api/cameras/{id}", refuse);
}

}  // namespace tmon::api
